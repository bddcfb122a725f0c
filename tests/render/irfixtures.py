"""Hand-built IR for the task/comment pair (used until the spec resolver can load specs/)."""

from __future__ import annotations

from scaffold.ir.model import (
    CheckConstraint,
    Column,
    Entity,
    Field,
    Filter,
    ForeignKey,
    Index,
    Listing,
    OrderKey,
    Ownership,
    PrimaryKey,
    Ref,
    Schema,
    Table,
    UniqueConstraint,
)

UUID = "uuid.UUID"
DT = "datetime.datetime"


def _pk() -> Column:
    return Column("id", "uuid", "pk", "sa.Uuid()", UUID, False, primary_key=True)


def _timestamps() -> tuple[Column, ...]:
    return (
        Column("created_at", "datetime", "created_at", "sa.DateTime(timezone=True)", DT, False),
        Column("updated_at", "datetime", "updated_at", "sa.DateTime(timezone=True)", DT, False),
    )


def _listing(table: str, owner: str | None, filters: tuple[Filter, ...] = ()) -> Listing:
    return Listing(
        order=(OrderKey("created_at", True, DT, "datetime"), OrderKey("id", True, UUID, "uuid")),
        default_limit=20,
        max_limit=100,
        filters=filters,
        keyset_index=f"ix_{table}_{owner + '_' if owner else ''}created_at_id",
    )


def _owner_user(table: str) -> Ownership:
    return Ownership(
        kind="user",
        column="user_id",
        root_entity=table,
        root_table=table,
        root_column="user_id",
    )


def user_entity() -> Entity:
    cols = (
        _pk(),
        Column("email", "email", "field", "sa.String(64)", "str", False, length=64, field="email"),
        Column(
            "password", "password", "field", "sa.String(255)", "str", True, length=255,
            field="password",
        ),
        *_timestamps(),
    )
    table = Table(
        name="users",
        entity="user",
        columns=cols,
        primary_key=PrimaryKey("pk_users", ("id",)),
        uniques=(UniqueConstraint("uq_users_email", ("email",)),),
        checks=(CheckConstraint("ck_users_email_length", "length(email) <= 64", "email"),),
        indexes=(Index("ix_users_created_at_id", ("created_at", "id"), purpose="keyset"),),
        spec_path="specs/user.yaml",
    )
    return Entity(
        name="user",
        plural="users",
        class_name="User",
        plural_class="Users",
        table=table,
        module="users",
        route="/users",
        spec_path="specs/user.yaml",
        description="A person who signs in.",
        owner=Ownership(kind="none", visibility="public"),
        visibility="private",
        timestamps=True,
        soft_delete=False,
        versioned=False,
        api=True,
        primary_key=("id",),
        default_pk=True,
        fields=(
            Field("email", "email", ("email",), "str", True, False, unique=True, max_length=64),
            Field(
                "password", "password", ("password",), "str", False, True,
                min_length=8, max_length=128, secret=True, in_read=False,
            ),
        ),
        refs=(),
        listing=_listing("users", None),
    )


def task_entity() -> Entity:
    cols = (
        _pk(),
        Column("title", "string", "field", "sa.String(200)", "str", False, length=200,
               field="title"),
        Column("done", "bool", "field", "sa.Boolean()", "bool", False, has_default=True,
               default=False, server_default="sa.false()", field="done"),
        Column("due", "date", "field", "sa.Date()", "datetime.date", True, field="due"),
        Column("user_id", "uuid", "owner", "sa.Uuid()", UUID, False),
        *_timestamps(),
    )
    table = Table(
        name="tasks",
        entity="task",
        columns=cols,
        primary_key=PrimaryKey("pk_tasks", ("id",)),
        foreign_keys=(ForeignKey("fk_tasks_user_id_users", ("user_id",), "users", ("id",),
                                 "CASCADE"),),
        checks=(
            CheckConstraint("ck_tasks_title_length", "length(title) >= 1 AND length(title) <= 200",
                            "title"),
        ),
        indexes=(
            Index("ix_tasks_user_id", ("user_id",), purpose="owner"),
            Index("ix_tasks_user_id_created_at_id", ("user_id", "created_at", "id"),
                  purpose="keyset"),
        ),
        spec_path="specs/task.yaml",
    )
    return Entity(
        name="task",
        plural="tasks",
        class_name="Task",
        plural_class="Tasks",
        table=table,
        module="tasks",
        route="/tasks",
        spec_path="specs/task.yaml",
        description="Something to do.",
        owner=_owner_user("tasks"),
        visibility="private",
        timestamps=True,
        soft_delete=False,
        versioned=False,
        api=True,
        primary_key=("id",),
        default_pk=True,
        fields=(
            Field("title", "string", ("title",), "str", True, False, min_length=1,
                  max_length=200),
            Field("done", "bool", ("done",), "bool", False, False, has_default=True,
                  default=False),
            Field("due", "date", ("due",), "datetime.date", False, True),
        ),
        refs=(),
        listing=_listing("tasks", "user_id",
                         (Filter("done", "done", "bool", "bool"),)),
    )


def comment_entity() -> Entity:
    cols = (
        _pk(),
        Column("body", "text", "field", "sa.Text()", "str", False, field="body"),
        Column("task_id", "ref", "ref", "sa.Uuid()", UUID, False, field="task"),
        Column("status", "enum", "field", "sa.String(8)", "str", False, has_default=True,
               default="open", server_default="sa.text(\"'open'\")", length=8,
               enum_values=("open", "resolved"), field="status"),
        Column("rating", "int", "field", "sa.Integer()", "int", True, field="rating"),
        Column("user_id", "uuid", "owner", "sa.Uuid()", UUID, False),
        *_timestamps(),
        Column("deleted_at", "datetime", "deleted_at", "sa.DateTime(timezone=True)", DT, True),
        Column("version", "int", "version", "sa.Integer()", "int", False, has_default=True,
               default=1, server_default="sa.text(\"1\")"),
    )
    table = Table(
        name="comments",
        entity="comment",
        columns=cols,
        primary_key=PrimaryKey("pk_comments", ("id",)),
        foreign_keys=(
            ForeignKey("fk_comments_task_id_tasks", ("task_id",), "tasks", ("id",), "CASCADE"),
            ForeignKey("fk_comments_user_id_users", ("user_id",), "users", ("id",), "CASCADE"),
        ),
        uniques=(),
        checks=(
            CheckConstraint("ck_comments_body_length",
                            "length(body) >= 1 AND length(body) <= 5000", "body"),
            CheckConstraint("ck_comments_status_enum", "status IN ('open', 'resolved')", "status"),
            CheckConstraint("ck_comments_rating_range", "rating >= 1 AND rating <= 5", "rating"),
        ),
        indexes=(
            Index("ix_comments_task_id", ("task_id",), purpose="fk"),
            Index("ix_comments_user_id", ("user_id",), purpose="owner"),
            Index("ix_comments_task_id_created_at", ("task_id", "created_at")),
            Index("ix_comments_status", ("status",), where="status = 'open'"),
            Index("ix_comments_user_id_created_at_id", ("user_id", "created_at", "id"),
                  purpose="keyset"),
        ),
        spec_path="specs/comment.yaml",
    )
    return Entity(
        name="comment",
        plural="comments",
        class_name="Comment",
        plural_class="Comments",
        table=table,
        module="comments",
        route="/comments",
        spec_path="specs/comment.yaml",
        description="A comment left on a task.",
        owner=_owner_user("comments"),
        visibility="private",
        timestamps=True,
        soft_delete=True,
        versioned=True,
        api=True,
        primary_key=("id",),
        default_pk=True,
        fields=(
            Field("body", "text", ("body",), "str", True, False, min_length=1, max_length=5000),
            Field("task", "ref", ("task_id",), UUID, True, False, ref="task", immutable=True,
                  in_update=False),
            Field("status", "enum", ("status",), "str", False, False, has_default=True,
                  default="open", enum_values=("open", "resolved")),
            Field("rating", "int", ("rating",), "int", False, True, min=1, max=5),
        ),
        refs=(
            Ref("task", "task", "Task", "tasks", "tasks", ("task_id",), ("id",), (UUID,),
                "CASCADE", True, "fk_comments_task_id_tasks", "task"),
        ),
        listing=_listing(
            "comments",
            "user_id",
            (
                Filter("status", "status", "str", "enum", ("open", "resolved")),
                Filter("task_id", "task_id", UUID, "ref"),
            ),
        ),
    )


def task_comment_schema() -> Schema:
    return Schema(entities=(user_entity(), task_entity(), comment_entity()))
