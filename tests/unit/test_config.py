from __future__ import annotations

from pathlib import Path

import pytest

from generator.config import load_config
from generator.errors import BuildFailed


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


def messages(path: Path) -> list[str]:
    with pytest.raises(BuildFailed) as caught:
        load_config(path)
    return [f"{e.line}: {e.message} | {e.hint}" for e in caught.value.errors]


def test_an_empty_config_gives_the_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, ""))
    assert config.site.timezone == "UTC"
    assert config.build.page_size == 20
    assert config.images.missing == "placeholder"


def test_paths_are_relative_to_the_config_folder(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[build]\nseeds_dir = "content"\n'))
    assert config.build.seeds_dir == (tmp_path / "content").resolve()
    assert config.build.output_dir == (tmp_path / "public").resolve()


def test_the_base_path_comes_from_base_url(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[site]\nbase_url = "https://u.github.io/repo"\n'))
    assert config.base_path == "/repo/"


def test_an_unknown_key_names_its_line_and_the_closest_known_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[site]\ntitle = "x"\n\n[build]\npage_sise = 3\n')
    assert messages(path) == ["5: unknown key 'build.page_sise' | did you mean 'page_size'?"]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write(tmp_path, '[site]\ntimezone = "Mars/Base"\n[build]\npage_size = "ten"\n')
    assert messages(path) == [
        '4: build.page_size: expected an integer, got "ten" | ',
        '2: site.timezone: unknown time zone "Mars/Base" | '
        'use an IANA name such as "UTC" or "Europe/Berlin"',
    ]


def test_a_page_size_of_zero_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "[build]\npage_size = 0\n")
    assert messages(path) == ["2: build.page_size: expected an integer from 1 to 1,000, got 0 | "]


def test_an_output_folder_that_holds_the_config_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, '[build]\noutput_dir = "."\n')
    assert messages(path) == ["2: build.output_dir: must not be or contain the folder of the "
                              "config file | the output folder is replaced whole on every build"]


def test_an_output_folder_inside_the_seeds_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, '[build]\noutput_dir = "seeds/out"\n')
    assert messages(path)[0].startswith(
        "2: build.output_dir: must not be, contain or sit inside the seeds folder")


@pytest.mark.parametrize("out", [".", "..", "seeds", "seeds/x", "templates", "site.toml", "/"])
def test_an_out_option_that_would_replace_the_users_files_is_refused(
        tmp_path: Path, out: str) -> None:
    project = tmp_path / "project"
    project.mkdir()
    config = load_config(write(project, ""))
    with pytest.raises(BuildFailed) as caught:
        config.with_dirs(None, project / out)
    assert caught.value.errors[0].message.startswith("output folder ")


def test_a_templates_folder_named_but_missing_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, '[build]\ntemplates_dir = "theme"\n')
    assert messages(path)[0].startswith("2: build.templates_dir: folder not found:")


def test_the_fingerprint_changes_with_any_setting(tmp_path: Path) -> None:
    first = load_config(write(tmp_path, '[site]\ntitle = "A"\n')).fingerprint()
    second = load_config(write(tmp_path, '[site]\ntitle = "B"\n')).fingerprint()
    assert first != second
