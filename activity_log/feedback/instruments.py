"""Recovery-capital instruments. One lives here now, BARC-10; another can take its place by
adding an `Instrument` and pointing `CURRENT` at it (each assessment stores its instrument's
slug and its answers as a list, so old assessments keep their meaning).

BARC-10: the Brief Assessment of Recovery Capital (Vilsaint, Kelly, Bergman, Groshkova, Best &
White, 2017, Drug and Alcohol Dependence 177: 71-76). Ten statements, each answered on a
six-point agreement scale scored 1-6; the total runs from 10 to 60, higher is more capital.

Spanish (locale/es): a faithful plain-language translation made here, not a published, validated
Spanish BARC-10; scores taken in Spanish should be read with that in mind.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Instrument:
    slug: str
    name: str
    statements: tuple[str, ...]
    # (score, label), lowest first.
    scale: tuple[tuple[int, str], ...]

    @property
    def min_total(self) -> int:
        return len(self.statements) * self.scale[0][0]

    @property
    def max_total(self) -> int:
        return len(self.statements) * self.scale[-1][0]

    def score(self, answers: list[int]) -> int:
        """The total of a complete set of answers; ValidationError for anything else."""
        allowed = {value for value, _ in self.scale}
        if len(answers) != len(self.statements) or any(a not in allowed for a in answers):
            raise ValidationError(
                gettext("Answer all %(count)d statements, each on the scale shown.")
                % {"count": len(self.statements)}
            )
        return sum(answers)


BARC_10 = Instrument(
    slug="barc10",
    name="Brief Assessment of Recovery Capital (BARC-10)",
    statements=(
        _("There are more important things to me in life than using substances."),
        _("In general I am happy with my life."),
        _("I have enough energy to complete the tasks I set myself."),
        _("I am proud of the community I live in and feel part of it."),
        _("I get lots of support from friends."),
        _(
            "I regard my life as challenging and fulfilling without the need for using drugs or "
            "alcohol."
        ),
        _("My living space has helped to drive my recovery journey."),
        _("I take full responsibility for my actions."),
        _("I am happy dealing with a range of professional people."),
        _("I am making good progress on my recovery journey."),
    ),
    scale=(
        (1, _("Strongly disagree")),
        (2, _("Disagree")),
        (3, _("Somewhat disagree")),
        (4, _("Somewhat agree")),
        (5, _("Agree")),
        (6, _("Strongly agree")),
    ),
)

INSTRUMENTS = {BARC_10.slug: BARC_10}
CURRENT = BARC_10
