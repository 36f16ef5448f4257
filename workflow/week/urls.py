from django.urls import path

from workflow.week import views

urlpatterns = [
    path("tuan/moi/", views.new_week, name="week_new"),
    path("tuan/chep-tuan-truoc/", views.copy_last_week, name="week_copy"),
    path("tuan/<int:page_id>/chep/", views.copy_plan, name="week_copy_plan"),
    path("tuan/nop-tep/", views.upload_files, name="week_upload"),
    path("tuan/nop-tep/xac-nhan/", views.confirm_files, name="week_confirm"),
]
