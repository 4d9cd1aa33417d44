"""Field paths → SQL columns, with one LEFT JOIN per parent relationship.

A `Scope` stands for one FROM object. Resolving `Account.Owner.Name` on Contact joins
Account to the Contact row and User to the Account row, once each however often the
path appears. A polymorphic relationship (`Who`, `What`, some `Owner`s) joins every
object it may point to. Ids are unique across objects because the key prefix names the
object, so at most one of those joins finds a row. A value is the COALESCE of the
joined tables that have the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sfseg.sandbox.metadata import FieldSchema, ObjectSchema, OrgSchema
from sfseg.sandbox.query import errors
from sfseg.sandbox.query.sql import identifier
from sfseg.soql import ast

__all__ = ["CompileContext", "Node", "Resolved", "Scope", "Target"]

# Salesforce allows at most five levels of child-to-parent relationships in a path.
MAX_PARENT_DEPTH = 5

# The pseudo-field naming the object a polymorphic relationship points to (`Who.Type`).
TYPE_FIELD = "Type"
# Compound fields have no column of their own; their parts do.
_COMPOUND_TYPES = frozenset({"address", "location"})


@dataclass
class CompileContext:
    """State shared by every scope of one statement: the schema, the statement text
    (for error excerpts) and the alias counter."""

    schema: OrgSchema
    soql: str | None
    include_deleted: bool
    _aliases: int = 0

    def new_alias(self) -> str:
        alias = f"t{self._aliases}"
        self._aliases += 1
        return alias


@dataclass(frozen=True)
class Target:
    """One table a relationship may lead to, under its alias."""

    sobject: ObjectSchema
    alias: str

    def column(self, name: str) -> str:
        return f"{self.alias}.{identifier(name)}"


@dataclass
class Node:
    """The FROM object (empty `path`) or a parent reached through relationships."""

    path: tuple[str, ...]
    """Canonical relationship names from the FROM object."""
    targets: list[Target]
    polymorphic: bool
    children: dict[str, Node] = field(default_factory=dict)


@dataclass(frozen=True)
class Resolved:
    """A resolved field path: its SQL expression, describe type and where it nests."""

    sql: str
    type: str
    name: str
    """The field's API name as Salesforce spells it (the output key)."""
    node: Node
    field: FieldSchema | None
    """None for the polymorphic `Type` pseudo-field."""


class Scope:
    """One FROM object with the joins its field paths need."""

    def __init__(self, context: CompileContext, sobject: ObjectSchema, alias: str | None) -> None:
        self.context = context
        self.sobject = sobject
        self.alias = alias
        self.root = Node((), [Target(sobject, context.new_alias())], polymorphic=False)
        # (alias joined, alias it joins to, JOIN clause), in the order they were added.
        self.joins: list[tuple[str, str, str]] = []

    @property
    def root_alias(self) -> str:
        return self.root.targets[0].alias

    def from_sql(self, used_in: str | None = None) -> str:
        """Write the FROM clause with every join, or only those `used_in` needs.

        Leaving out a parent join that nothing in `used_in` reads never changes the
        row count, because each row joins at most one parent.
        """
        needed = {alias for alias, _, _ in self.joins}
        if used_in is not None:
            needed = self._aliases_used(used_in)
        parts = [f"{identifier(self.sobject.name)} AS {self.root_alias}"]
        parts.extend(sql for alias, _, sql in self.joins if alias in needed)
        return " ".join(parts)

    def live_count_sql(self) -> str:
        """Count the rows that are not deleted, as all rows minus deleted ones.

        SQLite counts a whole table from its b-tree without reading rows, and a partial
        index on deleted rows (if the store has one) makes the second count free, where
        `COUNT(*) WHERE IsDeleted = 0` reads every row.
        """
        table = identifier(self.sobject.name)
        deleted = f"SELECT COUNT(*) FROM {table} WHERE {identifier('IsDeleted')} = 1"
        return f"SELECT (SELECT COUNT(*) FROM {table}) - ({deleted})"

    def _aliases_used(self, text: str) -> set[str]:
        needed = {alias for alias, _, _ in self.joins if re.search(rf"\b{alias}\.", text)}
        for alias, owner, _ in reversed(self.joins):
            if alias in needed:
                needed.add(owner)
        return needed

    def deleted_filter(self) -> str | None:
        if self.context.include_deleted:
            return None
        # The unary + keeps SQLite from choosing an IsDeleted index over a selective
        # one (Email, a lookup): nearly every row has IsDeleted = 0.
        return f"+{self.root_alias}.{identifier('IsDeleted')} = 0"

    def resolve(self, path: ast.FieldPath) -> Resolved:
        """Resolve a field path, adding the joins it needs.

        Raises:
            QueryError: INVALID_FIELD for an unknown field or relationship.
        """
        parts = self._strip_object_prefix(path.parts)
        node = self.root
        for part in parts[:-1]:
            node = self.parent(node, part, path.position)
        return self._field(node, parts[-1], path.position)

    def parent(self, node: Node, name: str, position: ast.Position | None) -> Node:
        """Return the node one relationship `name` up from `node`, joining it on first use."""
        soql = self.context.soql
        if node.polymorphic or len(node.path) >= MAX_PARENT_DEPTH:
            raise errors.unknown_relationship(soql, position, name)
        reference = node.targets[0].sobject.parent_relationship(name)
        if reference is None or reference.relationship_name is None:
            raise errors.unknown_relationship(soql, position, name)
        key = reference.relationship_name.lower()
        if key not in node.children:
            node.children[key] = self._join(node, reference)
        return node.children[key]

    def _join(self, node: Node, reference: FieldSchema) -> Node:
        owner = node.targets[0]
        targets = []
        for name in reference.reference_to:
            sobject = self.context.schema.get(name)
            if sobject is None:
                continue
            target = Target(sobject, self.context.new_alias())
            targets.append(target)
            clause = (
                f"LEFT JOIN {identifier(sobject.name)} AS {target.alias} "
                f"ON {target.column('Id')} = {owner.column(reference.name)}"
            )
            self.joins.append((target.alias, owner.alias, clause))
        polymorphic = reference.polymorphic or len(reference.reference_to) > 1
        assert reference.relationship_name is not None
        return Node((*node.path, reference.relationship_name), targets, polymorphic)

    def _strip_object_prefix(self, parts: tuple[str, ...]) -> tuple[str, ...]:
        # `SELECT Contact.Name FROM Contact` and `FROM Contact c ... c.Name` name the
        # FROM object itself; a relationship of the same name wins.
        if len(parts) < 2 or self.sobject.parent_relationship(parts[0]) is not None:
            return parts
        first = parts[0].lower()
        if first == self.sobject.name.lower() or (self.alias and first == self.alias.lower()):
            return parts[1:]
        return parts

    def _field(self, node: Node, name: str, position: ast.Position | None) -> Resolved:
        if node.polymorphic:
            return self._polymorphic_field(node, name, position)
        target = node.targets[0]
        found = target.sobject.field(name)
        if found is None or (not found.is_stored and found.type not in _COMPOUND_TYPES):
            raise errors.unknown_column(self.context.soql, position, name, target.sobject.name)
        if not found.is_stored:
            # A compound field has no column; the record builder or DISTANCE reads its parts.
            return Resolved("NULL", str(found.type), found.name, node, found)
        return Resolved(target.column(found.name), str(found.type), found.name, node, found)

    def compound_parts(self, resolved: Resolved) -> dict[str, str]:
        """Part field name → SQL column of a compound address (`MailingCity`, ...)."""
        target = resolved.node.targets[0]
        return {
            part.name: target.column(part.name)
            for part in target.sobject.fields.values()
            if part.compound_field_name == resolved.name and part.is_stored
        }

    def _polymorphic_field(self, node: Node, name: str, position: ast.Position | None) -> Resolved:
        if name.lower() == TYPE_FIELD.lower():
            cases = " ".join(
                f"WHEN {t.column('Id')} IS NOT NULL THEN '{t.sobject.name}'" for t in node.targets
            )
            sql = f"(CASE {cases} END)" if node.targets else "NULL"
            return Resolved(sql, "string", TYPE_FIELD, node, None)
        found: list[tuple[Target, FieldSchema]] = []
        for target in node.targets:
            schema_field = target.sobject.field(name)
            if schema_field is not None and schema_field.is_stored:
                found.append((target, schema_field))
        if not found:
            raise errors.unknown_column(self.context.soql, position, name, "Name")
        columns = [target.column(schema_field.name) for target, schema_field in found]
        sql = columns[0] if len(columns) == 1 else f"COALESCE({', '.join(columns)})"
        first = found[0][1]
        return Resolved(sql, str(first.type), first.name, node, first)
