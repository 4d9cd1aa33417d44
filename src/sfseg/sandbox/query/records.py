"""Compile a record query (no aggregates) into a `RecordPlan`."""

from __future__ import annotations

import datetime as dt

from sfseg.sandbox.metadata import ObjectSchema
from sfseg.sandbox.query import errors
from sfseg.sandbox.query.conditions import ConditionCompiler
from sfseg.sandbox.query.expressions import TEXT_TYPES, Operand, compile_expression
from sfseg.sandbox.query.plan import JSON_VALUES, ChildPlan, Columns, RecordPlan
from sfseg.sandbox.query.resolve import CompileContext, Node, Scope
from sfseg.sandbox.query.shape import (
    AddressSlot,
    ChildSlot,
    Converter,
    Item,
    ParentShape,
    RecordShape,
    Slot,
    TypeOfShape,
    converter_for,
)
from sfseg.sandbox.query.sql import identifier
from sfseg.soql import ast

__all__ = ["FIELDS_LIMIT", "compile_order_by", "compile_records"]

# FIELDS(ALL) and FIELDS(CUSTOM) need a LIMIT of at most 200 rows.
FIELDS_LIMIT = 200


def compile_records(
    context: CompileContext, query: ast.Query, sobject: ObjectSchema, today: dt.date
) -> RecordPlan:
    """Compile a SELECT of fields, parent paths, TYPEOF and child subqueries.

    Raises:
        QueryError: for unknown fields, relationships and bad filter values.
    """
    builder = _RecordBuilder(context, query, sobject, today)
    return builder.build()


def compile_order_by(
    scope: Scope, items: tuple[ast.OrderItem, ...], operands: list[Operand] | None = None
) -> list[str]:
    """Compile ORDER BY terms: text sorts ignoring case, and nulls come first unless NULLS LAST is given."""
    terms = []
    for index, item in enumerate(items):
        operand = operands[index] if operands else compile_expression(scope, item.expression)
        position = getattr(item.expression, "position", None)
        if operand.aggregate and not operands:
            msg = "Aggregate functions in ORDER BY need GROUP BY or an aggregate select list"
            raise errors.malformed_query(msg, scope.context.soql, position)
        if (
            operand.field is not None
            and not operand.aggregate
            and (not operand.field.sortable or operand.type == "multipicklist")
        ):
            reason = f"field '{operand.name}' can not be sorted in a query call"
            raise errors.invalid_field(scope.context.soql, position, reason)
        collate = " COLLATE NOCASE" if operand.type in TEXT_TYPES else ""
        direction = "DESC" if item.descending else "ASC"
        terms.append(f"{operand.sql}{collate} {direction} NULLS {item.nulls or 'FIRST'}")
    return terms


def _label_converter(operand: Operand) -> Converter:
    """toLabel(): picklist value → label (each value of a multi-select picklist)."""
    labels = {v.value: v.label for v in operand.field.picklist_values} if operand.field else {}

    def to_label(value: object) -> object:
        if not isinstance(value, str):
            return value
        if operand.type == "multipicklist":
            return ";".join(labels.get(part, part) for part in value.split(";"))
        return labels.get(value, value)

    return to_label


class _RecordBuilder:
    def __init__(
        self, context: CompileContext, query: ast.Query, sobject: ObjectSchema, today: dt.date
    ) -> None:
        self.context = context
        self.query = query
        self.today = today
        self.scope = Scope(context, sobject, query.from_.alias)
        self.columns = Columns()
        id_column = self.columns.add(self.scope.root.targets[0].column("Id"))
        self.shape = RecordShape(sobject.name, id_column)
        self.children: list[ChildPlan] = []
        self.unnamed = 0

    def build(self) -> RecordPlan:
        for item in self.query.select:
            self._add(item)
        where = [f for f in [self.scope.deleted_filter()] if f]
        if self.query.where is not None:
            where.append(ConditionCompiler(self.scope, self.today).compile(self.query.where))
        order_by = compile_order_by(self.scope, self.query.order_by)
        filter_from_sql = self.scope.from_sql(used_in=" ".join([*where, *order_by]))
        return RecordPlan(
            sobject=self.scope.sobject.name,
            root_alias=self.scope.root_alias,
            from_sql=self.scope.from_sql(),
            columns=self.columns,
            where=where,
            order_by=order_by,
            limit=self.query.limit,
            offset=self.query.offset,
            shape=self.shape,
            children=self.children,
            deleted_filter=self.scope.deleted_filter(),
            filter_from_sql=filter_from_sql,
            live_count_sql=self.scope.live_count_sql(),
        )

    def _add(self, item: ast.SelectItem) -> None:
        if isinstance(item, ast.SubQuery):
            self._add_child(item.query)
        elif isinstance(item, ast.TypeOf):
            self._add_typeof(item)
        else:
            self._add_field(item)

    # --- fields and parents ---------------------------------------------------

    def _add_field(self, item: ast.SelectField) -> None:
        expression = item.expression
        if isinstance(expression, ast.FunctionCall) and expression.name.upper() == "FIELDS":
            self._add_fields_function(expression)
            return

        operand = compile_expression(self.scope, expression)
        if operand.function == "DISTANCE":
            self._add_distance(operand, item.alias)
            return
        if operand.resolved is None:
            reason = f"Field must be grouped or aggregated: {operand.name}"
            raise errors.malformed_query(reason)
        if operand.type == "location":
            position = getattr(expression, "position", None)
            reason = (
                f"Selecting the location field {operand.name} is not supported; "
                "select its latitude and longitude fields"
            )
            raise errors.invalid_field(self.context.soql, position, reason)

        items = self._parent_items(operand.resolved.node)
        self._check_duplicate(items, operand.name)
        if operand.type == "address" and operand.field is not None:
            parts = self.scope.compound_parts(operand.resolved)
            columns = {name: self.columns.add(sql) for name, sql in parts.items()}
            items.append(AddressSlot(operand.name, operand.field, columns))
            return
        convert = converter_for(operand.type)
        if operand.function == "TOLABEL":
            convert = _label_converter(operand)
        items.append(Slot(operand.name, self.columns.add(operand.sql), convert))

    def _add_distance(self, operand: Operand, alias: str | None) -> None:
        # An unaliased DISTANCE is named like an unaliased aggregate: expr0, expr1, ...
        key = alias or f"expr{self.unnamed}"
        self.unnamed += alias is None
        column = self.columns.add(operand.sql)
        self.shape.items.append(Slot(key, column, converter_for("double")))

    def _add_fields_function(self, call: ast.FunctionCall) -> None:
        """FIELDS(ALL | STANDARD | CUSTOM): every such field of the object, in describe order."""
        soql = self.context.soql
        argument = call.args[0] if len(call.args) == 1 else None
        kind = argument.dotted.upper() if isinstance(argument, ast.FieldPath) else ""
        if kind not in {"ALL", "STANDARD", "CUSTOM"}:
            msg = "FIELDS() takes ALL, STANDARD or CUSTOM"
            raise errors.malformed_query(msg, soql, call.position)
        limit = self.query.limit
        if kind != "STANDARD" and (limit is None or limit > FIELDS_LIMIT):
            msg = f"The SOQL FIELDS function must have a LIMIT of at most {FIELDS_LIMIT}"
            raise errors.malformed_query(msg, soql, call.position)
        taken = {item.key.lower() for item in self.shape.items}
        for schema_field in self.scope.sobject.fields.values():
            wanted = kind == "ALL" or schema_field.custom == (kind == "CUSTOM")
            if not wanted or schema_field.type == "location" or schema_field.name.lower() in taken:
                continue
            self._add_field(ast.SelectField(ast.FieldPath((schema_field.name,), call.position)))

    def _check_duplicate(self, items: list[Item], key: str) -> None:
        if any(isinstance(i, Slot | AddressSlot) and i.key.lower() == key.lower() for i in items):
            msg = f"duplicate field selected: {key}"
            raise errors.malformed_query(msg)

    def _parent_items(self, node: Node) -> list[Item]:
        """Return the item list that values of `node` go into, creating the nested parents."""
        items = self.shape.items
        current = self.scope.root
        for name in node.path:
            current = current.children[name.lower()]
            found = next(
                (i for i in items if isinstance(i, ParentShape) and i.key.lower() == name.lower()),
                None,
            )
            if found is None:
                id_columns = [
                    (self.columns.add(t.column("Id")), t.sobject.name) for t in current.targets
                ]
                found = ParentShape(name, id_columns, current.polymorphic)
                items.append(found)
            items = found.items
        return items

    # --- TYPEOF ---------------------------------------------------------------

    def _add_typeof(self, item: ast.TypeOf) -> None:
        node = self.scope.parent(self.scope.root, item.field.parts[-1], item.field.position)
        whens = {when.sobject.lower(): when.fields for when in item.whens}
        id_columns = []
        branches: dict[str, list[Item]] = {}
        for target in node.targets:
            id_columns.append((self.columns.add(target.column("Id")), target.sobject.name))
            paths = whens.get(target.sobject.name.lower(), item.else_fields)
            strict = target.sobject.name.lower() in whens
            branches[target.sobject.name] = [
                self._typeof_slot(target.sobject, target.alias, path, strict) for path in paths
            ]
        assert node.path
        self.shape.items.append(TypeOfShape(node.path[-1], id_columns, branches))

    def _typeof_slot(
        self, sobject: ObjectSchema, alias: str, path: ast.FieldPath, strict: bool
    ) -> Slot:
        found = sobject.field(path.parts[-1]) if len(path.parts) == 1 else None
        if found is None or not found.is_stored:
            if strict or len(path.parts) != 1:
                raise errors.unknown_column(
                    self.context.soql, path.position, path.dotted, sobject.name
                )
            return Slot(path.parts[-1], self.columns.add("NULL"))
        sql = f"{alias}.{identifier(found.name)}"
        return Slot(found.name, self.columns.add(sql), converter_for(str(found.type)))

    # --- child relationships --------------------------------------------------

    def _add_child(self, query: ast.Query) -> None:
        parent = self.scope.sobject
        name = query.from_.sobject
        relationship = parent.child_relationship(name)
        child = self.context.schema.get(relationship.child_sobject) if relationship else None
        if relationship is None or child is None or relationship.relationship_name is None:
            raise errors.unknown_child_relationship(self.context.soql, query.from_.position, name)
        plan = compile_records(self.context, query, child, self.today)
        link = f"{plan.root_alias}.{identifier(relationship.field)}"
        link_column = plan.columns.add(link)
        plan.where.append(f"{link} IN {JSON_VALUES}")
        key = relationship.relationship_name
        self.children.append(ChildPlan(key, plan, link_column, plan.limit, plan.offset))
        self.shape.items.append(ChildSlot(key))
