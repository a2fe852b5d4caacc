app_name = "checkout"

urlpatterns: list = []
