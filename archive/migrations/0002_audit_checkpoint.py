import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0001_initial"),
        ("recordpages", "0002_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("scope", models.CharField(db_index=True, max_length=40)),
                (
                    "reason",
                    models.CharField(
                        choices=[("daily", "Hằng ngày"), ("package", "Gói hồ sơ cuối năm")],
                        max_length=16,
                    ),
                ),
                ("made_on", models.DateField()),
                ("made_at", models.DateTimeField()),
                ("heads", models.JSONField(default=list)),
                ("key", models.CharField(max_length=500, unique=True)),
                ("storage_version_id", models.CharField(blank=True, max_length=200)),
                ("retain_until", models.DateTimeField(blank=True, null=True)),
                ("sha256", models.CharField(max_length=64)),
                ("signer", models.CharField(blank=True, max_length=300)),
                ("timestamped", models.BooleanField(default=False)),
                (
                    "school",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="recordpages.school",
                    ),
                ),
            ],
            options={
                "verbose_name": "mốc kiểm chứng nhật ký",
                "verbose_name_plural": "mốc kiểm chứng nhật ký",
                "ordering": ["made_at", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("reason", "daily")),
                        fields=("scope", "made_on"),
                        name="one_daily_audit_checkpoint_per_scope",
                    )
                ],
            },
        ),
    ]
