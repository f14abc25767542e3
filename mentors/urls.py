app_name = "mentors"

urlpatterns: list = []
