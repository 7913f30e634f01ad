"""`doctor` on a broken config and against the real test servers; the systemd unit's exposure."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "systemd" / "vipnet-cert-bot.service"


def test_doctor_reports_a_broken_config_clearly(tmp_path: Path) -> None:
    bad = tmp_path / "config.toml"
    bad.write_text('[bot]\naddress = "ib-bot@tfoms.example"\n[imap\nhost = 1\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["doctor", "--config", str(bad)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "[ОШИБКА] Файл настроек" in result.output
    assert "ошибка синтаксиса TOML" in result.output and "подсказка:" in result.output

    missing = CliRunner().invoke(main, ["doctor", "--config", str(tmp_path / "none.toml")])
    assert missing.exit_code == 1 and "файл настроек не найден" in missing.output

    no_state = tmp_path / "c2.toml"
    no_state.write_text('[bot]\naddress = "a@b"\ninfosec_head = "c@d"\norganisations = "o.csv"\n'
                        '[maildir]\npath = "m"\n[pickup]\ndir = "p"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["doctor", "--config", str(no_state)])
    assert result.exit_code == 1 and "не задан ключ state_dir" in result.output


@pytest.mark.imap
def test_doctor_against_the_test_dovecot_and_smtp_is_all_ok(imap_setup) -> None:
    config, _ = imap_setup
    result = CliRunner().invoke(main, ["doctor", "--config", str(config.source)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("[")]
    assert len(lines) == 7 and all(line.startswith("[ ок ]") for line in lines), result.output
    assert "вход выполнен, папка INBOX открыта" in result.output


@pytest.mark.imap
def test_doctor_wrong_imap_password_fails_with_a_hint(imap_setup, tmp_path: Path) -> None:
    config, _ = imap_setup
    (tmp_path / "imap-password").write_text("Zq7-not-it\n")
    result = CliRunner().invoke(main, ["doctor", "--config", str(config.source)])
    assert result.exit_code == 1
    assert re.search(r"\[ОШИБКА\] Почтовый ящик \(IMAP\)", result.output)
    assert "Zq7-not-it" not in result.output  # never the password


def test_doctor_state_dir_too_open(imap_setup, tmp_path: Path) -> None:
    config, _ = imap_setup
    config.bot.state_dir.mkdir(mode=0o755)
    config.bot.state_dir.chmod(0o755)
    result = CliRunner().invoke(main, ["doctor", "--config", str(config.source)])
    assert result.exit_code == 1 and "нужно 0700" in result.output


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_unit_exposure_is_at_most_2() -> None:
    out = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(UNIT)], capture_output=True,
                         text=True, timeout=60, check=False)
    found = re.search(r"Overall exposure level for vipnet-cert-bot\.service: (\d+\.\d+)", out.stdout)
    assert found, out.stdout + out.stderr
    assert float(found.group(1)) <= 2.0
    text = UNIT.read_text(encoding="utf-8")
    for needed in ("Type=notify", "WatchdogSec=", "Restart=on-failure", "DynamicUser=yes", "StateDirectory=",
                   "ConfigurationDirectory=", "LoadCredential=imap-password:", "LoadCredential=smtp-password:",
                   "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
                   "ExecStart=/opt/vipnet-cert-bot/.venv/bin/vipnet-cert-bot run --config "
                   "/etc/vipnet-cert-bot/config.toml"):
        assert needed in text, needed


MDWE_PROBE = """
import ctypes, sys
from pathlib import Path
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(65, 1, 0, 0, 0) != 0:   # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN
    sys.exit(77)
from bot import DEFAULT_RULES_DIR, rules
from bot.scan import check_files
print(check_files([Path(p) for p in sys.argv[1:]], rules.load(DEFAULT_RULES_DIR)).verdict)
"""


@pytest.mark.ocr
def test_scan_check_works_under_memory_deny_write_execute(tmp_path: Path) -> None:
    """The unit sets MemoryDenyWriteExecute=yes: the scan check (PDF decoding child, Tesseract) still works.

    The kernel's PR_SET_MDWE gives the same rule as systemd's seccomp filter, inherited by children."""
    from tests.digest.seed import scangen_module

    data, ext, _ = scangen_module().make_case(12, force={"kind": "no_owner", "fmt": "pdf", "dpi": 150,
                                                         "multi": False, "rotation": 0})
    pdf = tmp_path / f"scan.{ext}"
    pdf.write_bytes(data)
    out = subprocess.run([str(ROOT / ".venv/bin/python"), "-c", MDWE_PROBE, str(pdf)], capture_output=True,
                         text=True, timeout=120, cwd=ROOT, env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin"},
                         check=False)
    if out.returncode == 77:
        pytest.skip("this kernel has no PR_SET_MDWE (Linux < 6.3)")
    assert out.returncode == 0, out.stderr[-2000:]
    # the check ran to a verdict on the form (this scan's owner row is under the seal: a person may be asked)
    assert out.stdout.strip().splitlines()[-1] in ("incomplete", "review")
