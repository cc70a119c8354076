"""Every member of the SDK's input union is accepted and comes back as a valid ConversationItem (no I/O)."""

from __future__ import annotations

import copy
from typing import Any, get_args

import pytest
from openai.types.conversations import ConversationItem
from openai.types.responses import response_input_item_param as union
from openai.types.responses.easy_input_message_param import EasyInputMessageParam
from openai.types.responses.response_code_interpreter_tool_call_param import ResponseCodeInterpreterToolCallParam
from openai.types.responses.response_compaction_item_param_param import ResponseCompactionItemParamParam
from openai.types.responses.response_computer_tool_call_param import ResponseComputerToolCallParam
from openai.types.responses.response_configuration_update_item_param_param import (
    ResponseConfigurationUpdateItemParamParam,
)
from openai.types.responses.response_custom_tool_call_output_param import ResponseCustomToolCallOutputParam
from openai.types.responses.response_custom_tool_call_param import ResponseCustomToolCallParam
from openai.types.responses.response_file_search_tool_call_param import ResponseFileSearchToolCallParam
from openai.types.responses.response_function_tool_call_param import ResponseFunctionToolCallParam
from openai.types.responses.response_function_web_search_param import ResponseFunctionWebSearchParam
from openai.types.responses.response_input_item_param import ResponseInputItemParam
from openai.types.responses.response_output_message_param import ResponseOutputMessageParam
from openai.types.responses.response_reasoning_item_param import ResponseReasoningItemParam
from openai.types.responses.response_tool_search_output_item_param_param import ResponseToolSearchOutputItemParamParam
from pydantic import TypeAdapter

from api.conversations.item_types import NO_ITEM_FORM
from api.conversations.items import parse_items

CONVERSATION_ITEM: TypeAdapter[Any] = TypeAdapter(ConversationItem)

easy: EasyInputMessageParam = {"role": "user", "content": "hi"}
message: union.Message = {"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "be"}]}
output_message: ResponseOutputMessageParam = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "status": "completed",
    "content": [{"type": "output_text", "text": "hello", "annotations": []}, {"type": "refusal", "refusal": "no"}],
}
file_search: ResponseFileSearchToolCallParam = {
    "id": "fs_1",
    "type": "file_search_call",
    "queries": ["q"],
    "status": "completed",
}
computer_call: ResponseComputerToolCallParam = {
    "id": "cu_1",
    "type": "computer_call",
    "call_id": "call_1",
    "pending_safety_checks": [],
    "status": "completed",
    "action": {"type": "screenshot"},
}
computer_output: union.ComputerCallOutput = {
    "type": "computer_call_output",
    "call_id": "call_1",
    "output": {"type": "computer_screenshot", "image_url": "https://example.com/s.png"},
}
web_search: ResponseFunctionWebSearchParam = {
    "id": "ws_1",
    "type": "web_search_call",
    "action": {"type": "search", "query": "q"},
    "status": "completed",
}
function_call: ResponseFunctionToolCallParam = {
    "type": "function_call",
    "call_id": "call_2",
    "name": "f",
    "arguments": "{}",
}
function_output: union.FunctionCallOutput = {"type": "function_call_output", "call_id": "call_2", "output": "42"}
tool_search: union.ToolSearchCall = {"type": "tool_search_call", "arguments": {"query": "weather"}}
tool_search_output: ResponseToolSearchOutputItemParamParam = {"type": "tool_search_output", "tools": []}
additional_tools: union.AdditionalTools = {"type": "additional_tools", "role": "developer", "tools": []}
configuration: ResponseConfigurationUpdateItemParamParam = {"type": "configuration_update"}
reasoning: ResponseReasoningItemParam = {
    "id": "rs_1",
    "type": "reasoning",
    "summary": [{"type": "summary_text", "text": "t"}],
}
compaction: ResponseCompactionItemParamParam = {"type": "compaction", "encrypted_content": "opaque"}
image_generation: union.ImageGenerationCall = {
    "id": "ig_1",
    "type": "image_generation_call",
    "result": None,
    "status": "generating",
}
code_interpreter: ResponseCodeInterpreterToolCallParam = {
    "id": "ci_1",
    "type": "code_interpreter_call",
    "code": "print(1)",
    "container_id": "cntr_1",
    "outputs": [{"type": "logs", "logs": "1"}],
    "status": "completed",
}
local_shell: union.LocalShellCall = {
    "id": "lsh_1",
    "type": "local_shell_call",
    "call_id": "call_3",
    "status": "completed",
    "action": {"type": "exec", "command": ["ls"], "env": {}},
}
local_shell_output: union.LocalShellCallOutput = {"id": "lsho_1", "type": "local_shell_call_output", "output": "a"}
shell: union.ShellCall = {"type": "shell_call", "call_id": "call_4", "action": {"commands": ["ls"]}}
shell_output: union.ShellCallOutput = {
    "type": "shell_call_output",
    "call_id": "call_4",
    "output": [{"stdout": "a", "stderr": "", "outcome": {"type": "exit", "exit_code": 0}}],
}
apply_patch: union.ApplyPatchCall = {
    "type": "apply_patch_call",
    "call_id": "call_5",
    "status": "completed",
    "operation": {"type": "delete_file", "path": "a.txt"},
}
apply_patch_output: union.ApplyPatchCallOutput = {
    "type": "apply_patch_call_output",
    "call_id": "call_5",
    "status": "failed",
}
mcp_list_tools: union.McpListTools = {
    "id": "mcpl_1",
    "type": "mcp_list_tools",
    "server_label": "s",
    "tools": [{"name": "t", "input_schema": {}}],
}
mcp_request: union.McpApprovalRequest = {
    "id": "mcpr_1",
    "type": "mcp_approval_request",
    "arguments": "{}",
    "name": "t",
    "server_label": "s",
}
mcp_response: union.McpApprovalResponse = {
    "type": "mcp_approval_response",
    "approval_request_id": "mcpr_1",
    "approve": True,
}
mcp_call: union.McpCall = {"id": "mcp_1", "type": "mcp_call", "arguments": "{}", "name": "t", "server_label": "s"}
custom_output: ResponseCustomToolCallOutputParam = {
    "type": "custom_tool_call_output",
    "call_id": "call_6",
    "output": "ok",
}
custom_call: ResponseCustomToolCallParam = {"type": "custom_tool_call", "call_id": "call_6", "name": "t", "input": "x"}
compaction_trigger: union.CompactionTrigger = {"type": "compaction_trigger"}
reference: union.ItemReference = {"type": "item_reference", "id": "msg_0"}
program: union.Program = {"id": "prg_1", "type": "program", "call_id": "call_7", "code": "1", "fingerprint": "f"}
program_output: union.ProgramOutput = {
    "id": "prgo_1",
    "type": "program_output",
    "call_id": "call_7",
    "result": "1",
    "status": "completed",
}

EXAMPLES: dict[object, ResponseInputItemParam] = {
    EasyInputMessageParam: easy,
    union.Message: message,
    ResponseOutputMessageParam: output_message,
    ResponseFileSearchToolCallParam: file_search,
    ResponseComputerToolCallParam: computer_call,
    union.ComputerCallOutput: computer_output,
    ResponseFunctionWebSearchParam: web_search,
    ResponseFunctionToolCallParam: function_call,
    union.FunctionCallOutput: function_output,
    union.ToolSearchCall: tool_search,
    ResponseToolSearchOutputItemParamParam: tool_search_output,
    union.AdditionalTools: additional_tools,
    ResponseConfigurationUpdateItemParamParam: configuration,
    ResponseReasoningItemParam: reasoning,
    ResponseCompactionItemParamParam: compaction,
    union.ImageGenerationCall: image_generation,
    ResponseCodeInterpreterToolCallParam: code_interpreter,
    union.LocalShellCall: local_shell,
    union.LocalShellCallOutput: local_shell_output,
    union.ShellCall: shell,
    union.ShellCallOutput: shell_output,
    union.ApplyPatchCall: apply_patch,
    union.ApplyPatchCallOutput: apply_patch_output,
    union.McpListTools: mcp_list_tools,
    union.McpApprovalRequest: mcp_request,
    union.McpApprovalResponse: mcp_response,
    union.McpCall: mcp_call,
    ResponseCustomToolCallOutputParam: custom_output,
    ResponseCustomToolCallParam: custom_call,
    union.CompactionTrigger: compaction_trigger,
    union.ItemReference: reference,
    union.Program: program,
    union.ProgramOutput: program_output,
}
MEMBERS = get_args(ResponseInputItemParam)


def test_there_is_one_example_per_member_of_the_input_union() -> None:
    assert set(EXAMPLES) == set(MEMBERS)


@pytest.mark.parametrize("member", MEMBERS, ids=lambda m: m.__name__)
def test_every_member_is_accepted_and_answers_as_a_conversation_item(member: Any) -> None:
    sent = EXAMPLES[member]
    before = copy.deepcopy(sent)
    [item] = parse_items([sent])
    assert sent == before  # the request is left as it was
    assert item["type"] == sent.get("type", "message")
    assert item.get("id") == sent.get("id")
    if item["type"] in NO_ITEM_FORM:
        return
    answered = CONVERSATION_ITEM.validate_python({"id": "item_1"} | item)
    assert answered.type == item["type"]
