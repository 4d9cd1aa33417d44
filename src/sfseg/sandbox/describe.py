"""Describe JSON in Salesforce's shapes: describe global (`/sobjects`), an object's
basic info (`/sobjects/{Type}`) and its full describe (`/sobjects/{Type}/describe`).

Key sets follow describes recorded from live orgs. Keys for what the sandbox does not
model (layouts, quick actions, scopes) are present with empty or false values.
"""

from __future__ import annotations

from typing import Any

from sfseg.sandbox.metadata import (
    NUMBER_TYPES,
    FieldSchema,
    FieldType,
    ObjectSchema,
    OrgSchema,
)

__all__ = [
    "MASTER_RECORD_TYPE_ID",
    "describe_field",
    "describe_global",
    "describe_sobject",
    "sobject_basic_info",
]

# Every object has the "Master" record type with this id in every org.
MASTER_RECORD_TYPE_ID = "012000000000000AAA"

_SOAP_TYPES = {
    FieldType.ID: "tns:ID",
    FieldType.REFERENCE: "tns:ID",
    FieldType.BOOLEAN: "xsd:boolean",
    FieldType.INT: "xsd:int",
    FieldType.DOUBLE: "xsd:double",
    FieldType.CURRENCY: "xsd:double",
    FieldType.PERCENT: "xsd:double",
    FieldType.DATE: "xsd:date",
    FieldType.DATETIME: "xsd:dateTime",
    FieldType.TIME: "xsd:time",
    FieldType.ADDRESS: "urn:address",
    FieldType.LOCATION: "urn:location",
}
_EXTRA_TYPE_INFO = {
    FieldType.TEXTAREA: "plaintextarea",
    FieldType.PHONE: None,
}


def _urls(name: str, api_version: str) -> dict[str, str]:
    base = f"/services/data/v{api_version}/sobjects/{name}"
    return {"sobject": base, "describe": f"{base}/describe", "rowTemplate": f"{base}/{{ID}}"}


def _object_flags(schema: ObjectSchema) -> dict[str, Any]:
    """Return the object-level keys shared by describe global and the full describe."""
    return {
        "activateable": False,
        "associateEntityType": None,
        "associateParentEntity": None,
        "createable": schema.createable,
        "custom": schema.custom,
        "customSetting": False,
        "deepCloneable": False,
        "deletable": schema.deletable,
        "deprecatedAndHidden": False,
        "feedEnabled": False,
        "hasSubtypes": False,
        "isInterface": False,
        "isSubtype": False,
        "keyPrefix": schema.key_prefix,
        "label": schema.label,
        "labelPlural": schema.label_plural,
        "layoutable": True,
        "mergeable": schema.name in {"Account", "Contact", "Lead", "Case"},
        "mruEnabled": True,
        "name": schema.name,
        "queryable": schema.queryable,
        "replicateable": True,
        "retrieveable": True,
        "searchable": schema.name not in {"CampaignMemberStatus", "RecordType",
                                          "OpportunityContactRole"},
        "triggerable": True,
        "undeletable": schema.deletable,
        "updateable": schema.updateable,
    }


def describe_global(org_schema: OrgSchema, api_version: str) -> dict[str, Any]:
    """Return the describe-global JSON of every object, sorted by name."""
    sobjects = [
        {**_object_flags(schema), "urls": _urls(schema.name, api_version)}
        for schema in org_schema
    ]
    return {"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects}


def sobject_basic_info(schema: ObjectSchema, api_version: str) -> dict[str, Any]:
    """Return `GET /sobjects/{Type}`: the describe-global entry and recent items."""
    return {
        "objectDescribe": {**_object_flags(schema), "urls": _urls(schema.name, api_version)},
        "recentItems": [],
    }


def describe_sobject(schema: ObjectSchema, api_version: str,
                     record_types: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Return the full describe of one object.

    `record_types` are the org's RecordType rows for it (Id, Name, DeveloperName,
    IsActive). The Master record type is always listed. It is the default only when
    there is no other.
    """
    base = f"/services/data/v{api_version}/sobjects/{schema.name}"
    urls = {
        "compactLayouts": f"{base}/describe/compactLayouts",
        "rowTemplate": f"{base}/{{ID}}",
        "defaultValues": f"{base}/defaultValues?recordTypeId&fields",
        "listviews": f"{base}/listviews",
        "describe": f"{base}/describe",
        "quickActions": f"{base}/quickActions",
        "layouts": f"{base}/describe/layouts",
        "sobject": base,
    }
    return {
        "actionOverrides": [],
        **_object_flags(schema),
        "childRelationships": [_child(relationship) for relationship in
                               schema.child_relationships],
        "compactLayoutable": True,
        "defaultImplementation": None,
        "extendedBy": None,
        "extendsInterfaces": None,
        "fields": [describe_field(field) for field in schema.fields.values()],
        "implementedBy": None,
        "implementsInterfaces": None,
        "listviewable": None,
        "lookupLayoutable": None,
        "namedLayoutInfos": [],
        "networkScopeFieldName": None,
        "recordTypeInfos": _record_type_infos(base, record_types or []),
        "searchLayoutable": True,
        "sobjectDescribeOption": "FULL",
        "supportedScopes": [
            {"label": "All " + schema.label_plural.lower(), "name": "everything"},
            {"label": "My " + schema.label_plural.lower(), "name": "mine"},
        ],
        "urls": urls,
    }


def _child(relationship: Any) -> dict[str, Any]:
    return {
        "cascadeDelete": relationship.cascade_delete,
        "childSObject": relationship.child_sobject,
        "deprecatedAndHidden": False,
        "field": relationship.field,
        "junctionIdListNames": [],
        "junctionReferenceTo": [],
        "relationshipName": relationship.relationship_name,
        "restrictedDelete": False,
    }


def _record_type_infos(base: str, record_types: list[dict[str, Any]]) -> list[dict[str, Any]]:
    infos = []
    for record_type in record_types:
        infos.append(_record_type_info(base, record_type["Id"], record_type["Name"],
                                       record_type["DeveloperName"],
                                       bool(record_type["IsActive"]), master=False,
                                       default=record_type is record_types[0]))
    infos.append(_record_type_info(base, MASTER_RECORD_TYPE_ID, "Master", "Master", True,
                                   master=True, default=not record_types))
    return infos


def _record_type_info(base: str, record_type_id: str, name: str, developer_name: str,
                      active: bool, *, master: bool, default: bool) -> dict[str, Any]:
    return {
        "active": active,
        "available": True,
        "defaultRecordTypeMapping": default,
        "developerName": developer_name,
        "master": master,
        "name": name,
        "recordTypeId": record_type_id,
        "urls": {"layout": f"{base}/describe/layouts/{record_type_id}"},
    }


def _byte_length(field: FieldSchema) -> int:
    if field.type in {FieldType.ID, FieldType.REFERENCE}:
        return 18
    if field.length:
        return field.length * 3
    return 0


def describe_field(field: FieldSchema) -> dict[str, Any]:
    """Return one entry of a describe's `fields` list."""
    default_value: Any = field.default_value
    if field.type is FieldType.BOOLEAN:
        default_value = bool(field.default_value)
    elif field.picklist_values:
        default_value = None
    return {
        "aggregatable": field.aggregatable,
        "aiPredictionField": False,
        "autoNumber": field.auto_number,
        "byteLength": _byte_length(field),
        "calculated": field.calculated,
        "calculatedFormula": None,
        "cascadeDelete": False,
        "caseSensitive": field.case_sensitive,
        "compoundFieldName": field.compound_field_name,
        "controllerName": None,
        "createable": field.createable,
        "custom": field.custom,
        "defaultValue": default_value,
        "defaultValueFormula": None,
        "defaultedOnCreate": field.defaulted_on_create or field.type is FieldType.BOOLEAN,
        "dependentPicklist": False,
        "deprecatedAndHidden": False,
        "digits": field.digits if field.type is FieldType.INT else 0,
        "displayLocationInDecimal": False,
        "encrypted": False,
        "externalId": field.external_id,
        "extraTypeInfo": _EXTRA_TYPE_INFO.get(field.type),
        "filterable": field.filterable,
        "filteredLookupInfo": None,
        "formulaTreatNullNumberAsZero": False,
        "groupable": field.groupable,
        "highScaleNumber": False,
        "htmlFormatted": field.html_formatted,
        "idLookup": field.id_lookup,
        "inlineHelpText": None,
        "label": field.label,
        "length": field.length if field.type not in {FieldType.ID, FieldType.REFERENCE}
        else 18,
        "mask": None,
        "maskType": None,
        "name": field.name,
        "nameField": field.name_field,
        "namePointing": field.polymorphic,
        "nillable": field.nillable,
        "permissionable": field.nillable and not field.name_field and field.createable,
        "picklistValues": [
            {"active": entry.active, "defaultValue": entry.default, "label": entry.label,
             "validFor": None, "value": entry.value}
            for entry in field.picklist_values
        ],
        "polymorphicForeignKey": field.polymorphic,
        "precision": field.precision if field.type in NUMBER_TYPES else 0,
        "queryByDistance": False,
        "referenceTargetField": None,
        "referenceTo": list(field.reference_to),
        "relationshipName": field.relationship_name,
        "relationshipOrder": None,
        "restrictedDelete": False,
        "restrictedPicklist": field.restricted_picklist,
        "scale": field.scale if field.type in NUMBER_TYPES else 0,
        "searchPrefilterable": False,
        "soapType": _SOAP_TYPES.get(field.type, "xsd:string"),
        "sortable": field.sortable,
        "type": field.type.value,
        "unique": field.unique,
        "updateable": field.updateable,
        "writeRequiresMasterRead": False,
    }
