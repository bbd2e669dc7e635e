"""Short-name resolution: which fully-qualified references a name like "busybox" may mean.

Pull (as containers/image resolves it):
  1. a fully-qualified name is used as is ("docker.io/busybox" -> docker.io/library/busybox);
  2. else an alias from registries.conf [aliases] (all files; the short-name-aliases.conf cache
     wins) is the only candidate; tags and digests are stripped for the lookup and re-added;
  3. else one candidate per unqualified-search registry, in order;
  4. else an error naming the registries.conf that defines no search registries.
pypod never prompts: every short-name-mode behaves like "permissive" without a TTY (all
candidates are tried in order). Podman in "enforcing" mode would instead refuse an ambiguous
name when it cannot prompt; pypod records no new aliases either.

Local lookup (resolve_local): the alias, then localhost/NAME, then NAME under each search
registry; the caller then falls back to any stored image whose repository ends with "/NAME"
(matches_short_name), as Podman's local lookup does.
"""

from __future__ import annotations

from collections.abc import Sequence

from pypod.config.registries_conf import RegistriesConf
from pypod.errors import PypodError, ShortNameError
from pypod.image.reference import DEFAULT_TAG, Reference, parse, parse_normalized
from pypod.log import get_logger
from pypod.records import record

log = get_logger(__name__)


@record
class Candidate:
    reference: Reference  # fully qualified, with a tag or a digest
    from_alias: bool = False

    def __str__(self) -> str:
        return str(self.reference)


@record
class Resolution:
    name: str  # as the user wrote it
    candidates: tuple[Candidate, ...]
    alias_source: str = ""  # the file that defined the alias used, if any
    search_source: str = ""  # the file whose search registries were used, if any

    @property
    def description(self) -> str:
        """The line Podman logs about how the name was resolved ("" for qualified names)."""
        if self.alias_source:
            return f'Resolved "{self.name}" as an alias ({self.alias_source})'
        if self.search_source:
            return (
                f'Resolving "{self.name}" using unqualified-search registries '
                f"({self.search_source})"
            )
        return ""


def _complete(base: Reference, typed: Reference) -> Reference:
    """base with the tag/digest the user typed (":latest" when neither)."""
    ref = base.bare()
    if typed.tag:
        ref = ref.with_tag(typed.tag)
    if typed.digest:
        ref = ref.with_digest(typed.digest)
    return ref.with_default_tag()


def _alias(typed: Reference, conf: RegistriesConf) -> Reference | None:
    value = conf.aliases.get(typed.path)
    return parse_normalized(value) if value else None


def resolve_pull(name: str, conf: RegistriesConf) -> Resolution:
    """The references to try, in order, when pulling `name`. Raises InvalidReference for a
    malformed name and ShortNameError when a short name has nowhere to go."""
    typed = parse(name)
    if typed.is_qualified:
        ref = parse_normalized(name).with_default_tag()
        return Resolution(name=name, candidates=(Candidate(reference=ref),))
    alias = _alias(typed, conf)
    if alias is not None:
        cand = Candidate(reference=_complete(alias, typed), from_alias=True)
        source = conf.alias_sources.get(typed.path, "registries.conf")
        return Resolution(name=name, candidates=(cand,), alias_source=source)
    if not conf.unqualified_search_registries:
        raise ShortNameError(
            f'short-name "{name}" did not resolve to an alias and no unqualified-search '
            f'registries are defined in "{conf.main_file}"'
        )
    candidates = tuple(
        Candidate(reference=_complete(parse_normalized(f"{reg}/{typed.path}"), typed))
        for reg in conf.unqualified_search_registries
    )
    return Resolution(name=name, candidates=candidates, search_source=conf.main_file)


def pull_error(
    resolution: Resolution, errors: Sequence[tuple[Candidate, BaseException]]
) -> BaseException:
    """The error to report when every candidate failed: the only error itself when there was
    one candidate (keeping its type), else a ShortNameError listing each attempt as Podman
    does ("N errors occurred while pulling:\\n * initializing source docker://...: ...")."""
    if len(errors) == 1:
        return errors[0][1]
    lines = [f"{len(errors)} errors occurred while pulling:"]
    for cand, err in errors:
        text = err.message if isinstance(err, PypodError) else str(err)
        source = f"docker://{cand}"
        if source not in text:
            text = f"initializing source {source}: {text}"
        lines.append(f" * {text}")
    return ShortNameError("\n".join(lines))


def resolve_local(name: str, conf: RegistriesConf | None = None) -> list[str]:
    """Full names to look up in local storage, in order (without the suffix fallback)."""
    typed = parse(name)
    if typed.is_qualified:
        return [str(parse_normalized(name).with_default_tag())]
    if conf is None:
        conf = RegistriesConf.load()
    refs: list[Reference] = []
    alias = _alias(typed, conf)
    if alias is not None:
        refs.append(_complete(alias, typed))
    refs.append(_complete(parse(f"localhost/{typed.path}"), typed))
    refs += [
        _complete(parse_normalized(f"{reg}/{typed.path}"), typed)
        for reg in conf.unqualified_search_registries
    ]
    out: list[str] = []
    for ref in refs:
        if str(ref) not in out:
            out.append(str(ref))
    return out


def matches_short_name(short: str, stored_name: str) -> bool:
    """True when a stored full name answers a short name: its repository ends with "/" + the
    short repository and the tag (default latest) or digest agrees."""
    want = parse(short)
    try:
        have = parse(stored_name)
    except PypodError:
        return False
    if not have.name.endswith("/" + want.path):
        return False
    if want.digest:
        return have.digest == want.digest
    return have.tag == (want.tag or DEFAULT_TAG)
