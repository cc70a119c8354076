"""The README's line that silences the SDK's deprecation warnings does silence them, in a script of its own."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.support.servers import Server

README = Path(__file__).resolve().parents[2] / "README.md"
SCRIPT = """
import warnings
{filter}
from openai import OpenAI

client = OpenAI(base_url={base_url!r}, api_key="sk-test-alpha", max_retries=0)
thread = client.beta.threads.create(messages=[{{"role": "user", "content": "Where is my parcel?"}}])
message = client.beta.threads.messages.create(thread.id, role="user", content="Still waiting.")
print(len(list(client.beta.threads.messages.list(thread.id, order="asc"))))
client.beta.threads.messages.update(message.id, thread_id=thread.id, metadata={{"rating": "5"}})
client.beta.threads.delete(thread.id)
"""


def readme_filter() -> str:
    found = re.findall(r"`(warnings\.filterwarnings\(.*?\))`", README.read_text())
    assert len(found) == 1, found
    return str(found[0])


def run(server: Server, filter_line: str) -> subprocess.CompletedProcess[str]:
    script = SCRIPT.format(filter=filter_line, base_url=server.base_url)
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)


def test_without_a_filter_the_sdk_warns(server: Server) -> None:
    result = run(server, "")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("DeprecationWarning") == 5


def test_the_readmes_filter_silences_every_warning(server: Server) -> None:
    result = run(server, readme_filter())
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "2", "")
