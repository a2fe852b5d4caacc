from django.db import migrations, models

CREATE_ROW = """
INSERT INTO core_catalogueversion (id, counter, generation)
VALUES (1, 0, gen_random_uuid()) ON CONFLICT (id) DO NOTHING
"""


class Migration(migrations.Migration):
    dependencies = [("core", "0002_rate_limit_counter")]

    operations = [
        migrations.CreateModel(
            name="CatalogueVersion",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("counter", models.BigIntegerField(default=0)),
                ("generation", models.UUIDField()),
            ],
        ),
        migrations.RunSQL(CREATE_ROW, migrations.RunSQL.noop),
    ]
