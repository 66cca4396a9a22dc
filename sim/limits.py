"""Discord's documented size limits, checked on what the bot sends; failures become 50035 "Invalid Form Body"."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .constants import SELECT_TYPES, ComponentType, MessageFlags, OptionType

JSON = dict[str, Any]
Path = tuple[str | int, ...]

MAX_CONTENT = 2000
MAX_NONCE = 25
MAX_EMBEDS = 10
MAX_EMBED_TOTAL = 6000
MAX_ROWS = 5
MAX_ROW_WIDTH = 5
MAX_CHOICES = 25
MAX_V2_COMPONENTS = 40
MAX_V2_TEXT = 4000
COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


@dataclass(frozen=True)
class FormError:
    """One invalid field: where it is and Discord's error code/message for it."""

    path: Path
    code: str
    message: str


def form_error_body(errors: Sequence[FormError]) -> JSON:
    """The 400 body Discord sends: ``{"code": 50035, "message": "Invalid Form Body", "errors": {…}}``."""
    tree: JSON = {}
    for error in errors:
        node = tree
        for key in error.path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": error.code, "message": error.message})
    return {"code": 50035, "message": "Invalid Form Body", "errors": tree}


def check_length(value: Any, path: Path, high: int, low: int = 0) -> list[FormError]:
    """A string (or list) longer than ``high`` or shorter than ``low``."""
    if value is None:
        return [FormError(path, "BASE_TYPE_REQUIRED", "This field is required")] if low else []
    size = len(value)
    if low <= size <= high:
        return []
    if low:
        return [FormError(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")]
    return [FormError(path, "BASE_TYPE_MAX_LENGTH", f"Must be {high} or fewer in length.")]


def check_message(payload: JSON) -> list[FormError]:
    """Content, embeds and components of a message create/edit body; a Components V2 layout by its own rules."""
    if (payload.get("flags") or 0) & MessageFlags.IS_COMPONENTS_V2:
        return check_v2_message(payload)
    errors = check_length(payload.get("content"), ("content",), MAX_CONTENT)
    errors += check_length(_as_text(payload.get("nonce")), ("nonce",), MAX_NONCE)
    errors += check_embeds(payload.get("embeds") or [])
    errors += check_components(payload.get("components") or [], payload.get("flags") or 0)
    return errors


def _as_text(nonce: object) -> str | None:
    """A nonce as Discord measures it: a string, or an integer's digits."""
    return None if nonce is None else str(nonce)


def check_embeds(embeds: list[JSON]) -> list[FormError]:
    """Count, per-field sizes and the 6,000-character total."""
    errors = check_length(embeds, ("embeds",), MAX_EMBEDS)
    total = 0
    for index, embed in enumerate(embeds):
        at: Path = ("embeds", index)
        footer, author = embed.get("footer") or {}, embed.get("author") or {}
        fields = embed.get("fields") or []
        errors += check_length(embed.get("title"), (*at, "title"), 256)
        errors += check_length(embed.get("description"), (*at, "description"), 4096)
        errors += check_length(footer.get("text"), (*at, "footer", "text"), 2048)
        errors += check_length(author.get("name"), (*at, "author", "name"), 256)
        errors += check_length(fields, (*at, "fields"), 25)
        for number, embed_field in enumerate(fields):
            errors += check_length(embed_field.get("name"), (*at, "fields", number, "name"), 256, 1)
            errors += check_length(embed_field.get("value"), (*at, "fields", number, "value"), 1024, 1)
        parts = [embed.get("title"), embed.get("description"), footer.get("text"), author.get("name")]
        parts += [text for item in fields for text in (item.get("name"), item.get("value"))]
        total += sum(len(part) for part in parts if part)
    if total > MAX_EMBED_TOTAL:
        errors.append(FormError(("embeds",), "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"))
    return errors


def check_v2_message(payload: JSON) -> list[FormError]:
    """A Components V2 message: no ``content`` or embeds, at most 40 components in all (nested ones counted) and
    4,000 characters of text in all its text displays."""
    errors: list[FormError] = []
    if payload.get("content"):
        errors.append(FormError(("content",), "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2", "No content"))
    if payload.get("embeds"):
        errors.append(FormError(("embeds",), "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2", "No embeds"))
    components = payload.get("components") or []
    nested = list(_nested(components))
    if len(nested) > MAX_V2_COMPONENTS:
        errors.append(FormError(("components",), "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_V2_COMPONENTS} or fewer."))
    text = sum(len(item.get("content") or "") for item in nested if item.get("type") == ComponentType.TEXT_DISPLAY)
    if text > MAX_V2_TEXT:
        errors.append(FormError(("components",), "BASE_TYPE_MAX_LENGTH", f"Text must be {MAX_V2_TEXT} or fewer."))
    return errors + check_components(components, MessageFlags.IS_COMPONENTS_V2)


def _nested(components: list[JSON]) -> list[JSON]:
    """Every component, children (and a section's accessory) included."""
    found: list[JSON] = []
    for component in components:
        found.append(component)
        found += _nested(component.get("components") or [])
        found += _nested([component["accessory"]] if isinstance(component.get("accessory"), dict) else [])
    return found


def check_components(components: list[JSON], flags: int = 0) -> list[FormError]:
    """Action rows (≤ 5, each ≤ 5 buttons or one select), labels and custom ids (V2 layouts: see
    :func:`check_v2_message`)."""
    errors: list[FormError] = []
    if not flags & MessageFlags.IS_COMPONENTS_V2:
        errors += check_length(components, ("components",), MAX_ROWS)
    for index, component in enumerate(components):
        errors += _check_component(component, ("components", index))
    custom_ids = [found["custom_id"] for found in _nested(components) if "custom_id" in found]
    if len(custom_ids) != len(set(custom_ids)):
        errors.append(
            FormError(("components",), "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated")
        )
    return errors


def _check_component(component: JSON, at: Path) -> list[FormError]:
    kind = component.get("type")
    errors = check_length(component.get("custom_id"), (*at, "custom_id"), 100, 1) if "custom_id" in component else []
    children = component.get("components") or []
    if kind == ComponentType.ACTION_ROW:
        errors += check_length(children, (*at, "components"), MAX_ROW_WIDTH)
        if len(children) > 1 and any(child.get("type") != ComponentType.BUTTON for child in children):
            errors.append(FormError((*at, "components"), "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "Too many components"))
    elif kind == ComponentType.BUTTON:
        errors += check_length(component.get("label"), (*at, "label"), 80)
        if "custom_id" not in component and "url" not in component and "sku_id" not in component:
            errors.append(FormError((*at, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required"))
    elif kind == ComponentType.STRING_SELECT:
        errors += check_length(component.get("options") or [], (*at, "options"), 25, 1)
        errors += check_length(component.get("placeholder"), (*at, "placeholder"), 150)
    elif kind == ComponentType.TEXT_INPUT:
        errors += check_length(component.get("label"), (*at, "label"), 45)
        errors += check_length(component.get("value"), (*at, "value"), 4000)
        errors += check_length(component.get("placeholder"), (*at, "placeholder"), 100)
    elif kind == ComponentType.LABEL:
        errors += check_length(component.get("label"), (*at, "label"), 45, 1)
    for index, child in enumerate(children):
        errors += _check_component(child, (*at, "components", index))
    for key in ("component", "accessory"):
        if isinstance(component.get(key), dict):
            errors += _check_component(component[key], (*at, key))
    return errors


def check_modal(data: JSON) -> list[FormError]:
    """Modal title ≤ 45, custom id, 1–5 top-level components and their own limits; a select only inside a label
    (Discord refuses one in an action row of a modal: only text inputs may still sit there)."""
    errors = check_length(data.get("title"), ("data", "title"), 45, 1)
    errors += check_length(data.get("custom_id"), ("data", "custom_id"), 100, 1)
    components = data.get("components") or []
    errors += check_length(components, ("data", "components"), 5, 1)
    for index, component in enumerate(components):
        at: Path = ("data", "components", index)
        errors += _check_component(component, at)
        if component.get("type") == ComponentType.ACTION_ROW:
            errors += [
                FormError(
                    (*at, "components", number, "type"), "UNION_TYPE_CHOICES", "A select in a modal must be in a label"
                )
                for number, child in enumerate(component.get("components") or [])
                if child.get("type") in SELECT_TYPES
            ]
    return errors


def check_choices(choices: list[JSON]) -> list[FormError]:
    """Autocomplete results: ≤ 25 choices, names 1–100, string values ≤ 100."""
    errors = check_length(choices, ("data", "choices"), MAX_CHOICES)
    for index, choice in enumerate(choices):
        errors += check_length(choice.get("name"), ("data", "choices", index, "name"), 100, 1)
        if isinstance(choice.get("value"), str):
            errors += check_length(choice["value"], ("data", "choices", index, "value"), 100)
    return errors


def check_commands(commands: list[JSON]) -> list[FormError]:
    """Bulk-overwritten command definitions: names, descriptions, option and choice counts, option bounds."""
    errors: list[FormError] = []
    for index, command in enumerate(commands):
        errors += _check_command_node(command, (index,), is_command=True)
    return errors


def _check_command_node(node: JSON, at: Path, *, is_command: bool = False) -> list[FormError]:
    errors: list[FormError] = []
    name = node.get("name") or ""
    is_chat_input = node.get("type", 1) == 1 or not is_command
    if is_chat_input and not COMMAND_NAME.match(name):
        errors.append(FormError((*at, "name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"))
    elif not is_chat_input:
        errors += check_length(name, (*at, "name"), 32, 1)
    if is_chat_input:
        errors += check_length(node.get("description"), (*at, "description"), 100, 1)
    options = node.get("options") or []
    errors += check_length(options, (*at, "options"), 25)
    errors += check_length(node.get("choices") or [], (*at, "choices"), MAX_CHOICES)
    for number, option in enumerate(options):
        errors += _check_command_node(option, (*at, "options", number))
    if not is_command:
        errors += _check_bounds(node, at)
    return errors


MAX_SAFE_INTEGER = 2**53
_TEXT = (OptionType.STRING,)
_NUMERIC = (OptionType.INTEGER, OptionType.NUMBER)
_BOUNDS: dict[str, tuple[int, int, tuple[OptionType, ...]]] = {
    "min_length": (0, 6000, _TEXT),
    "max_length": (1, 6000, _TEXT),
    "min_value": (-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER, _NUMERIC),
    "max_value": (-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER, _NUMERIC),
}
"""Each bound an option may declare: its lowest and highest value, and the option types that may declare it."""


def _check_bounds(option: JSON, at: Path) -> list[FormError]:
    """An option's bounds as Discord checks them: lengths (0–6,000, minimum ≤ maximum) on text options only, values
    (within ±2⁵³, minimum ≤ maximum) on number options only."""
    errors = []
    for key, (low, high, kinds) in _BOUNDS.items():
        value = option.get(key)
        if value is not None and option.get("type") not in kinds:
            errors.append(FormError((*at, key), "APPLICATION_COMMAND_OPTION_INVALID", f"{key} is not allowed here"))
        elif value is not None and not low <= value <= high:
            errors.append(FormError((*at, key), "NUMBER_TYPE_MAX", f"{key} must be from {low} to {high}."))
    for low_key, high_key in (("min_length", "max_length"), ("min_value", "max_value")):
        low_value, high_value = option.get(low_key), option.get(high_key)
        if low_value is not None and high_value is not None and low_value > high_value:
            errors.append(FormError((*at, low_key), "APPLICATION_COMMAND_OPTION_INVALID", f"{low_key} > {high_key}"))
    return errors
