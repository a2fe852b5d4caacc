app_name = "member"

urlpatterns: list = []
