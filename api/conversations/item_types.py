"""The item types of OpenAI's input union besides messages: the fields each requires, and what its answer adds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from api.conversations.fields import Kinds

STR: Kinds = ("string",)
STR_NULL: Kinds = ("string", "null")
ARR: Kinds = ("array",)
ARR_NULL: Kinds = ("array", "null")
OBJ: Kinds = ("object",)
OBJ_NULL: Kinds = ("object", "null")
BOOL: Kinds = ("boolean",)
INT_NULL: Kinds = ("integer", "null")
STR_ARR: Kinds = ("string", "array")
ANY: Kinds = ()

CALL = ("in_progress", "completed", "incomplete")
SEARCH = ("in_progress", "searching", "completed", "incomplete", "failed")
EXECUTION = ("server", "client")


@dataclass(frozen=True)
class ItemType:
    """One member of the input union: its fields' JSON kinds, the values a few take, the answer's defaults.

    ``defaults`` fill fields the answer (``ConversationItem``) requires but the input may leave out or null.
    """

    required: Mapping[str, Kinds]
    optional: Mapping[str, Kinds] = field(default_factory=dict)
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    defaults: Mapping[str, str] = field(default_factory=dict)


COMPLETED = {"status": "completed"}

ITEM_TYPES: dict[str, ItemType] = {
    "file_search_call": ItemType({"id": STR, "queries": ARR, "status": STR}, {"results": ARR_NULL}, {"status": SEARCH}),
    "computer_call": ItemType(
        {"id": STR, "call_id": STR, "pending_safety_checks": ARR, "status": STR},
        {"action": OBJ, "actions": ARR},
        {"status": CALL},
    ),
    "computer_call_output": ItemType(
        {"call_id": STR, "output": OBJ},
        {"id": STR_NULL, "acknowledged_safety_checks": ARR_NULL, "status": STR_NULL},
        {"status": CALL},
        COMPLETED,
    ),
    "web_search_call": ItemType({"id": STR, "action": OBJ, "status": STR}, {}, {"status": SEARCH}),
    "function_call": ItemType(
        {"arguments": STR, "call_id": STR, "name": STR},
        {"id": STR, "async": BOOL, "caller": OBJ_NULL, "namespace": STR, "status": STR},
        {"status": CALL},
        COMPLETED,
    ),
    "function_call_output": ItemType(
        {"output": STR_ARR},
        {
            "id": STR_NULL,
            "call_id": STR_NULL,
            "caller": OBJ_NULL,
            "name": STR_NULL,
            "namespace": STR_NULL,
            "status": STR_NULL,
        },
        {"status": CALL},
        COMPLETED,
    ),
    "tool_search_call": ItemType(
        {"arguments": ANY},
        {"id": STR_NULL, "call_id": STR_NULL, "execution": STR, "status": STR_NULL},
        {"execution": EXECUTION, "status": CALL},
        {"execution": "server", "status": "completed"},
    ),
    "tool_search_output": ItemType(
        {"tools": ARR},
        {"id": STR_NULL, "call_id": STR_NULL, "execution": STR, "status": STR_NULL},
        {"execution": EXECUTION, "status": CALL},
        {"execution": "server", "status": "completed"},
    ),
    "additional_tools": ItemType({"role": STR, "tools": ARR}, {"id": STR_NULL}, {"role": ("developer",)}),
    "configuration_update": ItemType({}, {"id": STR_NULL, "reasoning": OBJ, "text": OBJ}),
    "reasoning": ItemType(
        {"id": STR, "summary": ARR}, {"content": ARR, "encrypted_content": STR_NULL, "status": STR}, {"status": CALL}
    ),
    "compaction": ItemType({"encrypted_content": STR}, {"id": STR_NULL}),
    "image_generation_call": ItemType(
        {"id": STR, "result": STR_NULL, "status": STR},
        {
            "action": STR_NULL,
            "background": STR_NULL,
            "error": OBJ,
            "output_format": STR_NULL,
            "quality": STR_NULL,
            "revised_prompt": STR_NULL,
            "size": STR_NULL,
            "svg_usage": OBJ,
        },
        {"status": ("in_progress", "completed", "generating", "failed")},
    ),
    "code_interpreter_call": ItemType(
        {"id": STR, "code": STR_NULL, "container_id": STR, "outputs": ARR_NULL, "status": STR},
        {},
        {"status": ("in_progress", "completed", "incomplete", "interpreting", "failed")},
    ),
    "local_shell_call": ItemType({"id": STR, "action": OBJ, "call_id": STR, "status": STR}, {}, {"status": CALL}),
    "local_shell_call_output": ItemType({"id": STR, "output": STR}, {"status": STR_NULL}, {"status": CALL}),
    "shell_call": ItemType(
        {"action": OBJ, "call_id": STR},
        {"id": STR_NULL, "caller": OBJ_NULL, "environment": OBJ_NULL, "status": STR_NULL},
        {"status": CALL},
        COMPLETED,
    ),
    "shell_call_output": ItemType(
        {"call_id": STR, "output": ARR},
        {"id": STR_NULL, "caller": OBJ_NULL, "max_output_length": INT_NULL, "status": STR_NULL},
        {"status": CALL},
        COMPLETED,
    ),
    "apply_patch_call": ItemType(
        {"call_id": STR, "operation": OBJ, "status": STR},
        {"id": STR_NULL, "caller": OBJ_NULL},
        {"status": ("in_progress", "completed")},
    ),
    "apply_patch_call_output": ItemType(
        {"call_id": STR, "status": STR},
        {"id": STR_NULL, "caller": OBJ_NULL, "output": STR_NULL},
        {"status": ("completed", "failed")},
    ),
    "mcp_list_tools": ItemType({"id": STR, "server_label": STR, "tools": ARR}, {"error": STR_NULL}),
    "mcp_approval_request": ItemType({"id": STR, "arguments": STR, "name": STR, "server_label": STR}),
    "mcp_approval_response": ItemType(
        {"approval_request_id": STR, "approve": BOOL}, {"id": STR_NULL, "reason": STR_NULL}
    ),
    "mcp_call": ItemType(
        {"id": STR, "arguments": STR, "name": STR, "server_label": STR},
        {"approval_request_id": STR_NULL, "error": OBJ_NULL, "output": STR_NULL, "status": STR},
        {"status": ("in_progress", "completed", "incomplete", "calling", "failed")},
    ),
    "custom_tool_call": ItemType(
        {"call_id": STR, "input": STR, "name": STR}, {"id": STR, "async": BOOL, "caller": OBJ_NULL, "namespace": STR}
    ),
    "custom_tool_call_output": ItemType({"call_id": STR, "output": STR_ARR}, {"id": STR, "caller": OBJ_NULL}),
    "compaction_trigger": ItemType({}, {"id": STR_NULL}),
    "item_reference": ItemType({"id": STR}),
    "program": ItemType({"id": STR, "call_id": STR, "code": STR, "fingerprint": STR}),
    "program_output": ItemType(
        {"id": STR, "call_id": STR, "result": STR, "status": STR}, {}, {"status": ("completed", "incomplete")}
    ),
}
"""Every non-message member of the SDK's ``ResponseInputItemParam``, by ``type``, its fields as the union has them."""

NO_ITEM_FORM = ("item_reference", "compaction_trigger")
"""Input types with no ``ConversationItem`` form: a reference to an item, and an instruction to the model."""
