# Written by the privacy engineer (issue 8): the audit log gains the "lookup" action.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0002_alert'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditentry',
            name='action',
            field=models.CharField(choices=[('create', 'created'), ('update', 'updated'), ('delete', 'deleted'), ('reveal', 'revealed personal data'), ('lookup', "looked up outside the user's areas")], max_length=10),
        ),
    ]
