"""Spanish as read in the United States (FORMAT_MODULE_PATH): Django's Spanish dates, but the US
week (Sunday first), 12-hour times and US number separators, and short dates with the month in
letters, so "03/04" is never read two ways."""

DATE_FORMAT = r"j \d\e F \d\e Y"
TIME_FORMAT = "g:i a"
DATETIME_FORMAT = r"j \d\e F \d\e Y, g:i a"
YEAR_MONTH_FORMAT = r"F \d\e Y"
MONTH_DAY_FORMAT = r"j \d\e F"
SHORT_DATE_FORMAT = "j b Y"
SHORT_DATETIME_FORMAT = "j b Y, g:i a"
FIRST_DAY_OF_WEEK = 0
# Date inputs are <input type="date"> (ISO); typed dates are also read the ISO way first.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y"]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
