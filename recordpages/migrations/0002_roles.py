from django.db import migrations

ROLES = [
    ("district_office", "Cán bộ Phòng GD&ĐT / cơ quan quản lý"),
    ("inspector", "Thanh tra"),
    ("principal", "Hiệu trưởng"),
    ("vice_principal", "Phó hiệu trưởng"),
    ("group_leader", "Tổ trưởng chuyên môn"),
    ("teacher", "Giáo viên"),
    ("clerk", "Nhân viên văn thư"),
    ("accountant", "Nhân viên kế toán"),
    ("sysadmin", "Cán bộ quản trị hệ thống"),
    ("archivist", "Văn phòng nhà trường (lưu trữ)"),
]


def add_roles(apps, schema_editor):
    Role = apps.get_model("recordpages", "Role")
    for order, (code, name) in enumerate(ROLES):
        Role.objects.update_or_create(code=code, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("recordpages", "0001_initial")]
    operations = [migrations.RunPython(add_roles, migrations.RunPython.noop)]
