"""The spec families the generation benchmarks (bench/run.py) and the formatter's proof
(tests/perf/test_format_identical.py) generate projects from: `entity_spec(family, i)` is the
spec of entity number `i`, whose refs point at lower numbers.

- `thing`: the first benchmark's entity: a dozen fields of most types, a ref to the previous one;
- `wide`: shapes a new user writes that `thing` has not: decimal fields with bounds and defaults,
  enums with long values, string patterns, long entity and field names, three refs an entity.
"""

from __future__ import annotations

FAMILIES = ("thing", "wide")


def entity_name(family: str, i: int) -> str:
    return f"thing{i}" if family == "thing" else f"inventory_reconciliation_record{i}"


def entity_spec(family: str, i: int) -> str:
    """The YAML spec of entity `i` of `family` (its file is `<entity_name>.yaml`)."""
    lines = [f"entity: {entity_name(family, i)}", f"description: Benchmark entity number {i}."]
    if i % 3 == 1:
        lines.append("soft_delete: true")
    if i % 4 == 2:
        lines.append("versioned: true")
    lines.append("fields:")
    lines += _thing_fields(i) if family == "thing" else _wide_fields(i)
    filters = "[status]" if family == "thing" else "[fulfilment_status, priority]"
    lines += ["list:", f"  filters: {filters}"]
    return "\n".join(lines) + "\n"


def _thing_fields(i: int) -> list[str]:
    fields = [
        "  title: string(120)",
        "  body: text?",
        "  amount: {type: int, default: 0, min: 0, max: 1000000}",
        "  price: decimal(10,2)?",
        "  status: {type: enum, values: [draft, active, archived], default: draft}",
        "  flag: {type: bool, default: false}",
        "  due: date?",
        "  seen_at: datetime?",
        "  contact: email?",
        "  site: url?",
        "  extra: json?",
    ]
    if i > 0:
        fields.append(
            f"  parent: {{type: ref, to: thing{i - 1}, required: false, on_delete: set_null}}"
        )
    return fields


def _wide_fields(i: int) -> list[str]:
    fields = [
        "  reference_code_for_external_accounting_system:"
        ' {type: string, max_length: 32, pattern: "^[A-Z]{3}-[0-9]{4,8}$"}',
        "  unit_price_excluding_value_added_tax: {type: decimal, precision: 12, scale: 4,"
        ' min: "0.0001", max: "99999999.9999", default: "1.0000"}',
        "  discount_rate: {type: decimal, precision: 5, scale: 2,"
        ' min: "0.00", max: "100.00", default: "0.00"}',
        "  optional_surcharge_amount: {type: decimal, precision: 10, scale: 2,"
        ' min: "-1000.00", max: "1000.00", required: false}',
        "  fulfilment_status: {type: enum, values: [awaiting_confirmation, confirmed_by_supplier,"
        " partially_shipped, delivered_in_full, cancelled_by_customer],"
        " default: awaiting_confirmation}",
        "  priority: {type: enum, values: [low, normal, high, urgent], default: normal}",
        "  quantity_on_hand_at_last_stocktake: {type: int, default: 0, min: 0, max: 2000000000}",
        "  postal_code:"
        ' {type: string, max_length: 10, pattern: "^[0-9]{5}(-[0-9]{4})?$", required: false}',
        "  free_text_note_from_warehouse_operator: {type: text, max_length: 4000, required: false}",
        "  contact_email_for_escalations: email?",
        "  is_flagged_for_manual_review: {type: bool, default: false}",
        "  scheduled_delivery_window_start: datetime?",
    ]
    for k in range(1, 4):
        if i - k >= 0:
            fields.append(
                f"  upstream_record_{k}: {{type: ref, to: {entity_name('wide', i - k)},"
                " required: false, on_delete: set_null}"
            )
    return fields
