"""Login attempts counted per login and client address (issue 10.5): five guesses per
address, counted before the password is checked. Creates the `login_throttle` table."""
import datetime

from peewee import CharField, DateTimeField, IntegerField, Model


def utcnow():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def frozen_model(db):
    """The table as this migration knows it, independent of today's models."""

    class LoginThrottle(Model):
        created_at = DateTimeField(default=utcnow)
        updated_at = DateTimeField(default=utcnow)
        login = CharField(max_length=150)
        address = CharField(max_length=64)
        attempts = IntegerField(default=0)
        until = DateTimeField(index=True)

        class Meta:
            database = db
            table_name = "login_throttle"
            indexes = ((("login", "address"), True),)

    return LoginThrottle


def up(migrator, db):
    db.create_tables([frozen_model(db)], safe=False)


def down(migrator, db):
    db.drop_tables([frozen_model(db)], safe=False)
