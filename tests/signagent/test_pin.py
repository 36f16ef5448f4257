"""Where the PIN comes from: a helper program (ssh-askpass style), a file (tests only),
or the terminal; a helper that fails or is closed means the batch is cancelled."""

from __future__ import annotations

import shlex
import sys

import pytest

from signagent import messages
from signagent.pin import CommandPin, FilePin, PinCancelled, TtyPin, parse_pin_prompt
from signagent.token import TokenCertificate

from .fakes import running_agent
from .pki import throwaway_certificate


def helper(tmp_path, code: str) -> str:
    script = tmp_path / "helper.py"
    script.write_text(code, encoding="utf-8")
    return shlex.join([sys.executable, str(script)])


def test_a_helper_gets_the_prompt_as_its_last_argument_and_prints_the_pin(tmp_path):
    command = helper(
        tmp_path,
        "import os, sys\n"
        "open(sys.argv[0] + '.seen', 'w', encoding='utf-8').write(sys.argv[-1] + '|' + os.environ['HOSO_AGENT_COUNT'])\n"
        "print('1234')\n",
    )

    pin = CommandPin(command)("Ký 35 hồ sơ: nhập mã PIN của thiết bị ký", 35)

    assert pin == "1234"
    seen = (tmp_path / "helper.py.seen").read_text(encoding="utf-8")
    assert seen == "Ký 35 hồ sơ: nhập mã PIN của thiết bị ký|35"


def test_a_prompt_placeholder_puts_the_prompt_where_the_helper_wants_it():
    command = CommandPin("zenity --password --title {prompt}")

    assert command.argv("Ký 2 hồ sơ") == ["zenity", "--password", "--title", "Ký 2 hồ sơ"]


@pytest.mark.parametrize("code", ["import sys; sys.exit(1)", "print('')"])
def test_a_helper_that_is_closed_or_prints_nothing_cancels(tmp_path, code):
    with pytest.raises(PinCancelled):
        CommandPin(helper(tmp_path, code))("Ký 1 hồ sơ", 1)


def test_a_missing_helper_cancels():
    with pytest.raises(PinCancelled):
        CommandPin("/nonexistent/askpass")("Ký 1 hồ sơ", 1)


def test_a_pin_file_gives_its_first_line(tmp_path):
    (tmp_path / "pin").write_text("246810\nignored\n", encoding="utf-8")

    assert FilePin(tmp_path / "pin")("Ký 1 hồ sơ", 1) == "246810"


@pytest.mark.parametrize(
    ("spec", "kind"),
    [("tty", TtyPin), ("command:ssh-askpass", CommandPin), ("file:/tmp/pin", FilePin)],
)
def test_the_pin_prompt_option_names_its_source(spec, kind):
    assert isinstance(parse_pin_prompt(spec), kind)


@pytest.mark.parametrize("spec", ["", "ask", "command:", "file:", "env:PIN"])
def test_an_unknown_pin_prompt_option_is_refused(spec):
    with pytest.raises(ValueError):
        parse_pin_prompt(spec)


def test_a_cancelled_prompt_fails_every_item_and_signs_nothing():
    from .test_agent_http import item, sign_body

    certificate = TokenCertificate(label="GV", cka_id=b"\x07", der=throwaway_certificate())

    def cancelled(prompt: str, count: int) -> str:
        raise PinCancelled

    with running_agent(certificate, cancelled) as agent:
        _, _, body = agent.request(
            "POST", "/v1/sign", sign_body(certificate, [item(certificate, 0), item(certificate, 1)])
        )

    assert body["results"] == [
        {"id": "hb-0", "error": messages.PIN_CANCELLED},
        {"id": "hb-1", "error": messages.PIN_CANCELLED},
    ]
    assert agent.token.signed == []
