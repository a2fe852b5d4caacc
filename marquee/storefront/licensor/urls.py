app_name = "licensor"

urlpatterns: list = []
