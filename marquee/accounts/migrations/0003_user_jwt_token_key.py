import django.db.models
from django.db import migrations

import marquee.accounts.models


def give_each_user_a_key(apps, schema_editor):
    """AddField computes the default once; existing users get a key of their own."""
    User = apps.get_model("accounts", "User")
    for user in User.objects.only("pk").iterator():
        User.objects.filter(pk=user.pk).update(
            jwt_token_key=marquee.accounts.models.new_token_key()
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_address_user_default_billing_address_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="jwt_token_key",
            field=django.db.models.CharField(
                default=marquee.accounts.models.new_token_key, max_length=12
            ),
        ),
        migrations.RunPython(give_each_user_a_key, migrations.RunPython.noop),
    ]
