# Flows moved to their own app (`flows`). Only Django's record of the models leaves this app: the
# tables stay, rows and all, and flows/migrations/0001_initial.py takes them over.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0002_flows"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="FlowAttempt"),
                migrations.DeleteModel(name="Flow"),
                migrations.DeleteModel(name="FlowGroup"),
                migrations.DeleteModel(name="FlowTemplate"),
            ],
            database_operations=[],
        ),
    ]
