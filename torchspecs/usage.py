"""Which torch APIs public PyTorch code calls: the usage corpus, counted, ranked.

    python -m torchspecs.usage --sources DIR                  count the corpus, write torchspecs/usage_ranked.csv
    python -m torchspecs.usage --sources DIR --details OUT    also the per-API detail, references and per-file counts
    python -m torchspecs.usage --tree DIR --out ranked.csv    every *.py under DIR, without the manifest
    python -m torchspecs.usage --refresh-names                rewrite usage_names.json from the installed torch

The corpus (``torchspecs/usage_corpus.toml``) names each source by repository, commit and path globs: training
scripts, tutorials and model libraries. A git source is read at its commit from ``DIR/<owner>+<name>`` (a bare
snapshot, or one with a ``repo`` folder inside) or ``DIR/<owner>/<name>`` (a clone). A source too large to clone is
read from its PyPI wheel in ``DIR/wheels`` (``pip download <package> --no-deps -d DIR/wheels``), checked against
its sha256. The names the counter resolves come from ``usage_names.json``, so counting needs no torch. A missing
source, a wrong checksum or a broken manifest stops it with exit status 2 before anything is written.

The ranked list (rank, api, calls, files) feeds the usage-weighted coverage in ``reports/api.md``.

What is counted
---------------
1. Resolved calls.  Import aliases are tracked per file (every import statement anywhere in
   the file binds for the whole file, unless a function binds the name locally): ``import torch``, ``import torch.nn as nn``,
   ``import torch.nn.functional as F``, ``from torch import nn, optim``,
   ``from torch.nn import functional as F``, ``from torch.utils.data import DataLoader`` ...
   A call whose callee is a dotted chain rooted at such an alias is counted under its
   dotted name, canonicalised with torch_api_data.json (``torch.nn.modules.linear.Linear``
   -> ``torch.nn.Linear``, ``torch.functional.F.softmax`` -> ``torch.nn.functional.softmax``).
   Decorators (``@torch.no_grad()`` and bare ``@torch.no_grad``) and ``with torch.no_grad():``
   count as calls.
2. Method calls ``recv.name(...)`` whose receiver is not a resolved torch chain.  Types are
   unknown statically, so the name decides:
   - ``name`` is a public torch.Tensor method  -> ``torch.Tensor.name``.  Names that are also
     nn.Module methods (to, cuda, cpu, float, half, double, bfloat16, type, requires_grad_,
     xpu, ...) are also attributed to torch.Tensor (kind "tensor-or-module" in the detail
     file), except on ``self``/``super()`` (see below).
   - else a public nn.Module method (train, eval, parameters, state_dict, apply, ...) ->
     ``torch.nn.Module.name``.
   - Receiver-name routing first: a receiver identifier containing "sched" ->
     ``torch.optim.lr_scheduler.LRScheduler.name``; containing "scaler" ->
     ``torch.amp.GradScaler.name``; "optim"/"opt"/"opt_*"/"*_opt" ->
     ``torch.optim.Optimizer.name``; "prof"/"profiler" + step -> ``torch.profiler.profile.step``.
     ``step``/``add_param_group`` on any other receiver -> Optimizer; ``zero_grad``,
     ``state_dict``, ``load_state_dict`` on any other receiver -> nn.Module.
   - ``self.name(...)`` / ``super().name(...)`` inside a class that has at least one base:
     only nn.Module methods count (as ``torch.nn.Module.name``, or Optimizer when a base
     resolves to torch.optim.*); ``self.view(...)``-style tensor names are ignored.
   - ``Cls.apply(...)`` on a CapWords name -> ``torch.autograd.Function.apply``; other
     method calls on CapWords names (classes) are ignored.
   Receivers that are never tensors are skipped: literals and comprehensions (``", ".join``),
   pure attribute chains rooted at an imported non-torch module (``os.path.split``,
   ``np.random.rand``), anything rooted at a known non-tensor module (numpy, math, os, re,
   json, random, pandas, PIL, matplotlib, wandb, ...; see NON_TENSOR_MODULES), and receivers
   whose identifiers mark them as non-tensors (args, config, logger, writer, trainer,
   tokenizer, dataset, loader, fabric, accelerator, env, ...; see BLOCKED_RECEIVERS).
   Calls through a non-torch function that may return a tensor (``rearrange(x, ...).view``)
   are kept.
   Name-level exclusions (non-tensor meaning dominates in practice):
     values (dict.values), index (list/str.index), rename (pandas/pathlib), resize (PIL;
     Tensor.resize is deprecated), put (queue.put);
     split only with a non-string first argument (str.split() / .split(",") are skipped);
     log only with a non-string first argument (self.log("loss", v), logger.log(...));
     sort only with arguments other than key=/reverse= (list.sort());
     add on a bare name only with 2+ positional arguments or alpha= (set.add(x) otherwise;
     chained receivers such as var.add(eps) or x.float().add(y) are kept).
3. Non-call tensor attributes: ``x.shape``, ``x.dtype``, ``x.device``, ``x.grad``, ``x.data``,
   ``x.requires_grad``, ``x.T`` (loads and stores) count as ``torch.Tensor.<attr>`` with the
   same receiver filters (``self.device`` / ``self.dtype`` are skipped).

Known weaknesses (document these with any ranking)
--------------------------------------------------
* No type inference.  numpy arrays share many names with tensors (sum, mean, max, reshape,
  transpose, astype-free chains, shape, dtype, T, tolist, all, any, ...), so numpy-heavy code
  inflates torch.Tensor.*; HF BatchEncoding.to(), PIL .size/.transpose, set.add(),
  ``model.device``/``model.dtype`` (PreTrainedModel properties) land on torch.Tensor too.
* ``model.to(device)``, ``model.cuda()``, ``model.float()``... are counted as
  torch.Tensor.<name> (tensor-or-module); only ``self``/``super()`` receivers go to
  nn.Module.  ``ranked_detail.csv`` flags these rows.
* Optimizer / scheduler / scaler routing is by variable name; ``step()`` on an
  unrecognised receiver is assumed to be Optimizer.step.
* Calling a module instance (``self.fc(x)``) is not counted: only the constructor
  ``nn.Linear(...)`` is.  Functions stored in variables (``loss_fn = F.cross_entropy``;
  ``act_layer=nn.GELU``) are references (refs.csv), not calls.
* Aliases are file-global, except that a name bound inside an enclosing function (parameter or
  assignment, e.g. ``def collate_fn(data)`` in a file that did ``from torch.utils import data``)
  shadows the import there.  Module-level rebinding and class attributes are not tracked, and
  assignments such as ``F = nn.functional`` are not followed.
* Wrapper libraries (Lightning, HF Trainer internals) call torch on the user's behalf; those
  calls are invisible here.  Large files (timm, transformers) weigh more than tutorials: look
  at the ``files`` column for a size-independent view.
"""

from __future__ import annotations

import argparse
import ast
import collections
import csv
import hashlib
import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
MANIFEST = PACKAGE / "usage_corpus.toml"
NAMES = PACKAGE / "usage_names.json"
RANKED = PACKAGE / "usage_ranked.csv"


class CorpusError(Exception):
    """A manifest, source or names file that cannot be read as the counter expects."""


TENSOR_ATTRS = ("shape", "dtype", "device", "grad", "data", "requires_grad", "T")
EXCLUDED_TENSOR_NAMES = {"values", "index", "rename", "resize", "put"}
NON_TENSOR_MODULES = {
    "numpy",
    "np",
    "math",
    "os",
    "sys",
    "re",
    "json",
    "random",
    "time",
    "datetime",
    "logging",
    "pandas",
    "pd",
    "matplotlib",
    "plt",
    "pyplot",
    "PIL",
    "Image",
    "cv2",
    "pathlib",
    "shutil",
    "string",
    "argparse",
    "itertools",
    "collections",
    "functools",
    "copy",
    "pickle",
    "wandb",
    "yaml",
    "csv",
    "glob",
    "struct",
    "io",
    "subprocess",
    "warnings",
    "inspect",
    "typing",
    "dataclasses",
    "requests",
    "tqdm",
    "tiktoken",
    "gzip",
    "zipfile",
    "tarfile",
    "urllib",
    "socket",
    "threading",
    "queue",
    "multiprocessing",
    "signal",
    "platform",
    "operator",
    "textwrap",
    "hashlib",
    "base64",
    "heapq",
    "bisect",
    "enum",
    "abc",
    "contextlib",
    "importlib",
    "tempfile",
    "uuid",
    "psutil",
    "scipy",
    "sklearn",
    "nltk",
    "spacy",
    "h5py",
    "tensorflow",
    "tf",
    "jax",
    "jnp",
    "flax",
    "optax",
    "accelerate",
    "packaging",
    "version",
    "huggingface_hub",
    "safetensors",
    "sentencepiece",
    "regex",
    "ftfy",
    "html",
    "fsspec",
    "lightning",
    "L",
    "pl",
    "pytorch_lightning",
}
# identifiers (root name or last attribute of the receiver, lower-cased) that mark a
# receiver as not a tensor / module / optimizer
BLOCKED_RECEIVERS = {
    "args",
    "arg",
    "kwargs",
    "config",
    "cfg",
    "conf",
    "hparams",
    "hp",
    "parser",
    "argparser",
    "logger",
    "logging",
    "writer",
    "tb_writer",
    "summary_writer",
    "wandb",
    "fabric",
    "trainer",
    "accelerator",
    "plt",
    "ax",
    "axes",
    "fig",
    "figure",
    "tokenizer",
    "processor",
    "feature_extractor",
    "image_processor",
    "env",
    "envs",
    "queue",
    "pbar",
    "progress_bar",
    "tqdm",
    "console",
    "string",
    "line",
    "lines",
    "filename",
    "fname",
    "path",
    "filepath",
    "os",
    "sys",
    "re",
    "json",
    "parts",
    "words",
    "tokens_str",
    "name",
    "names",
    "prefix",
    "suffix",
    "url",
    "callback",
    "callbacks",
    "metrics",
    "metric_tracker",
    "train_metrics",
    "valid_metrics",
    "tracker",
    "timer",
    "stats",
    "counter",
    "vocab",
    "dictionary",
    "corpus",
    "sentence",
    "tokenizer_fast",
    "model_args",
    "training_args",
    "data_args",
    "seen",
    "visited",
    "lock",
    "event",
    "pool",
    "executor",
    "thread",
    "socket",
    "stream_handler",
    "handler",
    "signature",
    "sig",
    "ctx_mgr",
    "hub",
    "repo",
    "api",
}
BLOCKED_SUBSTRINGS = (
    "dataset",
    "loader",
    "logger",
    "writer",
    "config",
    "tokenizer",
    "parser",
    "trainer",
    "_args",
    "args_",
    "callback",
)

ANNOT = "annotation"


# --------------------------------------------------------------------------------------
# manifest


def load_manifest(path: Path) -> list[dict]:
    from torchspecs.changes import tomllib

    try:
        sources = tomllib.loads(path.read_text(encoding="utf-8"))["source"]
    except (OSError, KeyError, tomllib.TOMLDecodeError) as error:
        raise CorpusError(f"{path}: not a corpus manifest with [[source]] tables ({error!r})") from error
    for source in sources:
        if "repo" not in source or source.get("kind", "git") not in ("git", "wheel"):
            raise CorpusError(f"{path}: a source needs a repo and a kind of git or wheel: {source}")
    return sources


def glob_regex(pattern: str) -> re.Pattern:
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append(r"(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(r".*")
            i += 2
        elif pattern[i] == "*":
            out.append(r"[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append(r"[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def selected(paths, include, exclude):
    inc = [glob_regex(p) for p in include]
    exc = [glob_regex(p) for p in exclude or []]
    for p in sorted(paths):
        if not p.endswith(".py"):
            continue
        if any(r.match(p) for r in inc) and not any(r.match(p) for r in exc):
            yield p


def source_dirname(repo: str) -> str:
    return repo.replace("/", "+")


class GitReader:
    def __init__(self, gitdir: Path, commit: str):
        self.gitdir, self.commit = gitdir, commit

    def paths(self):
        out = subprocess.run(
            ["git", "--git-dir", str(self.gitdir), "ls-tree", "-r", "-z", "--name-only", self.commit],
            check=True,
            capture_output=True,
        )
        return [p for p in out.stdout.decode("utf-8", "replace").split("\0") if p]

    def read_many(self, paths):
        if not paths:
            return {}
        proc = subprocess.run(
            ["git", "--git-dir", str(self.gitdir), "cat-file", "--batch"],
            input="".join(f"{self.commit}:{p}\n" for p in paths).encode(),
            check=True,
            capture_output=True,
        )
        data, pos, result = proc.stdout, 0, {}
        for p in paths:
            nl = data.index(b"\n", pos)
            header = data[pos:nl].split()
            pos = nl + 1
            if len(header) < 3 or header[1] == b"missing":
                continue
            size = int(header[2])
            result[p] = data[pos : pos + size]
            pos += size + 1
        return result


def _git_dir(sources: Path, repo: str) -> Path:
    owner, name = repo.split("/")
    for candidate in (
        sources / f"{owner}+{name}" / "repo",
        sources / f"{owner}+{name}",
        sources / owner / name / ".git",
    ):
        if candidate.is_dir():
            return candidate
    raise CorpusError(f"no copy of {repo} in {sources}: clone it to {sources / owner / name}")


def iter_source_files(src: dict, sources: Path | None, tree: Path | None):
    """Yield (repository path, bytes) for one manifest source."""
    repo = src["repo"]
    include, exclude = src.get("include", ["**/*.py"]), src.get("exclude", [])
    if tree is not None:
        base = tree / source_dirname(repo)
        if not base.is_dir():
            raise CorpusError(f"--tree: {base} is missing for source {repo}")
        all_paths = [p.relative_to(base).as_posix() for p in base.rglob("*.py")]
        for p in selected(all_paths, include, exclude):
            yield p, (base / p).read_bytes()
        return
    if src.get("kind", "git") == "git":
        reader = GitReader(_git_dir(sources, repo), src["commit"])
        try:
            paths = list(selected(reader.paths(), include, exclude))
            blobs = reader.read_many(paths)
        except subprocess.CalledProcessError as error:
            raise CorpusError(f"{repo}: git cannot read commit {src['commit']} ({error.stderr!r})") from error
        for p in paths:
            if p in blobs:
                yield p, blobs[p]
        return
    wheel = sources / "wheels" / src["wheel"]
    if not wheel.exists():
        raise CorpusError(f"missing {wheel}: run `pip download {src['package']} --no-deps -d {wheel.parent}`")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != src["sha256"]:
        raise CorpusError(f"{wheel}: sha256 {digest}, but the manifest says {src['sha256']}")
    prefix = src.get("wheel_prefix", "")
    with zipfile.ZipFile(wheel) as zf:
        members = {prefix + n: n for n in zf.namelist()}
        for p in selected(members, include, exclude):
            yield p, zf.read(members[p])


# --------------------------------------------------------------------------------------
# analysis


class ApiData:
    def __init__(self, path: Path):
        d = json.loads(path.read_text(encoding="utf-8"))
        self.version = d["torch_version"]
        self.tensor_methods = set(d["tensor_methods"])
        self.module_methods = set(d["module_methods"])
        self.optimizer_methods = set(d["optimizer_methods"])
        self.scheduler_methods = set(d["scheduler_methods"])
        self.scaler_methods = set(d["grad_scaler_methods"])
        self.canonical = d["canonical"]
        self.module_aliases = d["module_aliases"]
        self.both = self.tensor_methods & self.module_methods
        self.modules = (
            {"torch"} | set(self.module_aliases.values()) | {v.rsplit(".", 1)[0] for v in self.canonical.values()}
        )

    def canon(self, name: str) -> str:
        parts = name.split(".")
        for i in range(len(parts), 1, -1):  # module re-exports: torch.functional.F -> torch.nn.functional
            head = ".".join(parts[:i])
            if head in self.module_aliases and self.module_aliases[head] != "torch":
                parts = self.module_aliases[head].split(".") + parts[i:]
                break
        for i in range(len(parts), 1, -1):  # defining module -> public name
            head = ".".join(parts[:i])
            if head in self.canonical:
                return ".".join([self.canonical[head], *parts[i:]])
        return ".".join(parts)


def is_torch(dotted: str) -> bool:
    return dotted == "torch" or dotted.startswith("torch.")


def chain(node):
    """Name/Attribute chain -> (root, [attrs]) or None."""
    attrs = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return node.id, attrs[::-1]
    return None


def chain_root(node):
    """Innermost Name of a receiver expression through attributes, calls and subscripts."""
    has_call = False
    while True:
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Call):
            has_call = True
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            break
    return (node.id if isinstance(node, ast.Name) else None), has_call, node


def last_ident(node):
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Subscript):
        return last_ident(node.value)
    return None


def is_capwords(name: str) -> bool:
    return len(name) > 1 and name[0].isupper() and any(c.islower() for c in name)


LITERALS = (
    ast.Constant,
    ast.JoinedStr,
    ast.List,
    ast.Dict,
    ast.Set,
    ast.Tuple,
    ast.ListComp,
    ast.DictComp,
    ast.SetComp,
    ast.GeneratorExp,
)


def str_arg(call: ast.Call) -> bool:
    return (
        bool(call.args)
        and isinstance(call.args[0], (ast.Constant, ast.JoinedStr))
        and (isinstance(call.args[0], ast.JoinedStr) or isinstance(call.args[0].value, str))
    )


class FileResult:
    __slots__ = ("counts", "kinds", "refs", "resolved", "traced")

    def __init__(self):
        self.counts = collections.Counter()  # api -> uses
        self.resolved = collections.Counter()  # api -> uses found through import aliases
        self.kinds = {}  # api -> kind of the first use
        self.refs = collections.Counter()
        self.traced = []  # (lineno, api) for --trace


class Analyzer(ast.NodeVisitor):
    def __init__(self, api: ApiData, trace: re.Pattern | None = None):
        self.api = api
        self.trace = trace

    # --- imports ------------------------------------------------------------------
    def collect_imports(self, tree):
        self.aliases = {}  # local name -> torch dotted path
        self.module_names = set()  # non-torch names bound by `import x [as y]`
        self.from_names = set()  # non-torch names bound by `from x import y`
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        local, target = a.asname, a.name
                    else:
                        local = target = a.name.split(".")[0]
                    if is_torch(target):
                        self.aliases[local] = target
                    else:
                        self.module_names.add(local)
            elif isinstance(node, ast.ImportFrom):
                mod = node.module or ""
                for a in node.names:
                    if a.name == "*":
                        continue
                    local = a.asname or a.name
                    if node.level == 0 and is_torch(mod):
                        self.aliases[local] = f"{mod}.{a.name}"
                    else:
                        self.from_names.add(local)
        # a non-torch import of the same name later in the file wins nothing: torch stays
        self.module_names -= set(self.aliases)
        self.from_names -= set(self.aliases)

    def is_alias(self, name):
        """An import alias, unless a function in scope binds the same name locally."""
        return name in self.aliases and not any(name in sh for sh in self.shadow)

    def resolve(self, node):
        c = chain(node)
        if c is None or not self.is_alias(c[0]):
            return None
        return self.api.canon(".".join([self.aliases[c[0]]] + c[1]))

    # --- traversal --------------------------------------------------------------------
    def run(self, tree) -> FileResult:
        self.res = FileResult()
        self.collect_imports(tree)
        self.class_stack = []
        self.shadow = []  # per enclosing function: names it binds (params, assignments)
        self.skip = set()  # ids of nodes already accounted for (callee chains, decorators)
        self.visit(tree)
        return self.res

    def add(self, api, kind, resolved, node):
        if self.trace is not None and self.trace.search(api):
            self.res.traced.append((getattr(node, "lineno", 0), api))
        self.res.counts[api] += 1
        if resolved:
            self.res.resolved[api] += 1
        self.res.kinds.setdefault(api, kind)

    def visit_ClassDef(self, node):
        bases = [self.resolve(b) or "" for b in node.bases]
        self.class_stack.append((bool(node.bases), bases))
        for d in node.decorator_list:
            self._decorator(d)
        for b in node.bases + node.keywords:
            self.visit(b)
        for stmt in node.body:
            self.visit(stmt)
        self.class_stack.pop()

    def _function(self, node):
        for d in node.decorator_list:
            self._decorator(d)
        self._mark_annotations(node)
        for default in node.args.defaults + [d for d in node.args.kw_defaults if d]:
            self.visit(default)
        self.shadow.append(self._local_names(node))
        for stmt in node.body:
            self.visit(stmt)
        self.shadow.pop()

    @staticmethod
    def _local_names(node):
        a = node.args
        names = {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg] if x}
        imported = set()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                names.add(sub.id)
            elif isinstance(sub, (ast.Import, ast.ImportFrom)):
                imported.update((al.asname or al.name).split(".")[0] for al in sub.names)
        return names - imported

    def visit_Lambda(self, node):
        self.shadow.append(self._local_names(node))
        self.generic_visit(node)
        self.shadow.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _function

    def _mark_annotations(self, node):
        a = node.args
        for arg in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg]:
            if arg is not None and arg.annotation is not None:
                self._annotation(arg.annotation)
        if node.returns is not None:
            self._annotation(node.returns)

    def _annotation(self, node):
        for sub in ast.walk(node):
            self.skip.add(id(sub))

    def visit_AnnAssign(self, node):
        self._annotation(node.annotation)
        if node.value is not None:
            self.visit(node.value)
        self.visit(node.target)

    def _decorator(self, d):
        target = d.func if isinstance(d, ast.Call) else d
        api = self.resolve(target)
        if api is not None and not isinstance(d, ast.Call):
            self.add(api, "function", True, d)  # bare @torch.no_grad / @torch.jit.script
            for sub in ast.walk(d):
                self.skip.add(id(sub))
            return
        self.visit(d)

    def visit_Call(self, node):
        func = node.func
        api = self.resolve(func)
        if api is not None:
            self.add(api, "function", True, node)
            for sub in ast.walk(func):
                self.skip.add(id(sub))
        elif isinstance(func, ast.Attribute):
            got = self.classify_method(func.value, func.attr, node)
            if got:
                self.add(got[0], got[1], False, node)
            self.skip.add(id(func))  # the callee attribute itself is not a tensor attr
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if id(node) in self.skip:
            self.generic_visit(node)
            return
        api = self.resolve(node)
        if api is not None:
            self.res.refs[api] += 1
            for sub in ast.walk(node):
                self.skip.add(id(sub))
            return
        if node.attr in TENSOR_ATTRS and self.tensor_receiver(node.value, attr=True):
            self.add(f"torch.Tensor.{node.attr}", "tensor-attribute", False, node)
        self.generic_visit(node)

    def visit_Name(self, node):
        if id(node) in self.skip:
            return
        if self.is_alias(node.id) and isinstance(node.ctx, ast.Load):
            api = self.api.canon(self.aliases[node.id])
            if api not in self.api.modules:  # `getattr(nn, n)` is not a reference to an API
                self.res.refs[api] += 1

    # --- heuristics -------------------------------------------------------------------
    def blocked(self, ident):
        if ident is None:
            return False
        low = ident.lower()
        return low in BLOCKED_RECEIVERS or any(s in low for s in BLOCKED_SUBSTRINGS)

    def tensor_receiver(self, recv, attr=False):
        """Could `recv` be a tensor (or module/optimizer) instance?"""
        if isinstance(recv, LITERALS):
            return False
        if isinstance(recv, ast.Name) and recv.id in ("self", "cls"):
            return False
        if isinstance(recv, ast.Call) and isinstance(recv.func, ast.Name) and recv.func.id == "super":
            return False
        root, has_call, _root_node = chain_root(recv)
        if root is not None:
            if self.is_alias(root):
                # torch.zeros(3).view(...) is a tensor; torch.cuda (no call) is a module
                return has_call
            if root in NON_TENSOR_MODULES:
                return False
            if root in self.module_names and not has_call:
                return False
            if root in self.from_names and isinstance(recv, ast.Name):
                return False
            if isinstance(recv, ast.Name) and is_capwords(recv.id):
                return False
            if self.blocked(root):
                return False
        if self.blocked(last_ident(recv)):
            return False
        return not (
            attr
            and isinstance(recv, ast.Attribute)
            and isinstance(recv.value, ast.Name)
            and recv.value.id == "self"
            and recv.attr in ("config",)
        )

    def self_class_route(self, name):
        """self.name(...) / super().name(...): Module or Optimizer method, or None."""
        if not self.class_stack or not self.class_stack[-1][0]:
            return None
        bases = self.class_stack[-1][1]
        if any(b.startswith("torch.optim") for b in bases) and name in self.api.optimizer_methods:
            return (f"torch.optim.Optimizer.{name}", "optimizer-method")
        if any(b.startswith("torch.autograd") for b in bases):
            return None
        if name in self.api.module_methods:
            return (f"torch.nn.Module.{name}", "module-method")
        return None

    def classify_method(self, recv, name, call):
        api = self.api
        if name.startswith("_"):
            return None
        # self.x(...) / super().x(...)
        if (isinstance(recv, ast.Name) and recv.id == "self") or (
            isinstance(recv, ast.Call) and isinstance(recv.func, ast.Name) and recv.func.id == "super"
        ):
            return self.self_class_route(name)
        if isinstance(recv, ast.Name) and is_capwords(recv.id) and not self.is_alias(recv.id):
            if name == "apply" and recv.id not in self.module_names:
                return ("torch.autograd.Function.apply", "autograd-function")
            return None
        if not self.tensor_receiver(recv):
            return None
        ident = (last_ident(recv) or "").lower()
        # receiver-name routing
        if "sched" in ident and name in api.scheduler_methods:
            return (f"torch.optim.lr_scheduler.LRScheduler.{name}", "scheduler-method")
        if "scaler" in ident and name in api.scaler_methods:
            return (f"torch.amp.GradScaler.{name}", "grad-scaler-method")
        if (
            "optim" in ident
            or ident in ("opt", "opts", "optimizers")
            or ident.startswith("opt_")
            or ident.endswith("_opt")
        ) and name in api.optimizer_methods:
            return (f"torch.optim.Optimizer.{name}", "optimizer-method")
        if name == "step" and ident.startswith("prof"):
            return ("torch.profiler.profile.step", "profiler-method")
        # tensor methods
        if name in api.tensor_methods and name not in EXCLUDED_TENSOR_NAMES:
            if (
                name == "split"
                and (not call.args or str_arg(call))
                and not any(k.arg in ("split_size", "split_size_or_sections", "dim") for k in call.keywords)
            ):
                return None
            if name == "log" and str_arg(call):
                return None
            if (
                name == "add"
                and isinstance(recv, ast.Name)
                and len(call.args) < 2
                and not any(k.arg == "alpha" for k in call.keywords)
            ):
                return None  # seen.add(x) / decay.add(name): set.add dominates on bare names
            if (
                name == "sort"
                and not call.args
                and (not call.keywords or any(k.arg in ("key", "reverse") for k in call.keywords))
            ):
                return None
            kind = "tensor-or-module" if name in api.both else "tensor-method"
            return (f"torch.Tensor.{name}", kind)
        if name in api.module_methods:
            return (f"torch.nn.Module.{name}", "module-method")
        if name in api.optimizer_methods:
            return (f"torch.optim.Optimizer.{name}", "optimizer-method")
        return None


# --------------------------------------------------------------------------------------
# driver


NAME_SOURCES = [
    "torch",
    "torch.nn",
    "torch.nn.functional",
    "torch.nn.init",
    "torch.nn.utils",
    "torch.nn.utils.rnn",
    "torch.nn.utils.parametrize",
    "torch.nn.parallel",
    "torch.nn.attention",
    "torch.optim",
    "torch.optim.lr_scheduler",
    "torch.utils.data",
    "torch.utils.checkpoint",
    "torch.autograd",
    "torch.autograd.functional",
    "torch.cuda",
    "torch.cuda.amp",
    "torch.amp",
    "torch.cpu",
    "torch.backends.cudnn",
    "torch.backends.cuda",
    "torch.backends.mps",
    "torch.distributed",
    "torch.distributed.fsdp",
    "torch.distributed.tensor",
    "torch.distributed.tensor.parallel",
    "torch.distributed.checkpoint",
    "torch.linalg",
    "torch.fft",
    "torch.special",
    "torch.jit",
    "torch.distributions",
    "torch.testing",
    "torch.hub",
    "torch.onnx",
    "torch.fx",
    "torch.compiler",
    "torch.export",
    "torch.random",
    "torch.profiler",
    "torch.utils.tensorboard",
    "torch.multiprocessing",
    "torch.func",
    "torch.masked",
    "torch.nested",
    "torch.sparse",
    "torch.library",
    "torch.overrides",
    "torch.utils.hooks",
    "torch.serialization",
    "torch.functional",
]


def _public(obj) -> list[str]:
    return [n for n in dir(obj) if not n.startswith("_")]


def _names_from_torch() -> dict:
    """The names the counter resolves, read from the installed torch (--refresh-names)."""
    import importlib
    import inspect
    import types

    import torch

    canonical = {}
    module_aliases = {}
    publics = set()
    for ns in NAME_SOURCES:
        try:
            mod = importlib.import_module(ns)
        except Exception as exc:  # pragma: no cover - depends on build
            print(f"skip {ns}: {exc}", file=sys.stderr)
            continue
        for name in _public(mod) + [n for n in ("_assert",) if hasattr(mod, n)]:
            try:
                obj = getattr(mod, name)
            except Exception:
                continue
            public_name = f"{ns}.{name}"
            publics.add(public_name)
            if isinstance(obj, types.ModuleType):
                if obj.__name__ != public_name and obj.__name__.startswith("torch"):
                    module_aliases.setdefault(public_name, obj.__name__)
                continue
            if not (inspect.isclass(obj) or callable(obj)):
                continue
            modname = getattr(obj, "__module__", None)
            qual = getattr(obj, "__qualname__", None)
            if not isinstance(modname, str) or not isinstance(qual, str):
                continue
            if not modname.startswith("torch"):
                continue
            defined = f"{modname}.{qual}"
            if defined != public_name:
                # first (= most general) namespace wins: NAME_SOURCES is ordered
                canonical.setdefault(defined, public_name)
    # a defining name that is itself public (torch.device, also re-exported as
    # torch.nested.Device) stays as it is
    canonical = {k: v for k, v in canonical.items() if k not in publics}
    t = torch.Tensor
    tensor_methods, tensor_props = [], []
    for n in _public(t):
        st = inspect.getattr_static(t, n)
        if isinstance(st, property) or type(st).__name__ in ("getset_descriptor", "member_descriptor"):
            tensor_props.append(n)
        else:
            tensor_methods.append(n)
    data = {
        "torch_version": torch.__version__,
        "tensor_methods": sorted(tensor_methods),
        "tensor_properties": sorted(tensor_props),
        "module_methods": sorted(_public(torch.nn.Module)),
        "optimizer_methods": sorted(_public(torch.optim.Optimizer)),
        "scheduler_methods": sorted(_public(torch.optim.lr_scheduler.LRScheduler)),
        "grad_scaler_methods": sorted(_public(torch.amp.GradScaler)),
        "canonical": dict(sorted(canonical.items())),
        "module_aliases": dict(sorted(module_aliases.items())),
    }
    return data


def names_from_torch() -> dict:
    """The names the counter resolves, read from the installed torch (--refresh-names); walking every public
    attribute touches deprecated ones, whose warnings say nothing here."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _names_from_torch()


def count(files, analyzer) -> dict:
    """Count the calls in (source, path, bytes) triples: per API, per source and per file."""
    totals, resolved, nfiles = collections.Counter(), collections.Counter(), collections.Counter()
    kinds, refs, ref_files = {}, collections.Counter(), collections.Counter()
    per_source: dict[str, collections.Counter] = {}
    per_file_rows, failures = [], []
    for repo, path, data in files:
        st = per_source.setdefault(repo, collections.Counter())
        st["files"] += 1
        try:
            tree = ast.parse(data.decode("utf-8-sig", "replace"), filename=path)
        except SyntaxError as exc:
            st["failed"] += 1
            failures.append(f"{repo}:{path}: {exc.msg} (line {exc.lineno})")
            per_file_rows.append((repo, path, 0, 0))
            continue
        res = analyzer.run(tree)
        if res.traced:
            lines = data.decode("utf-8-sig", "replace").splitlines()
            for lineno, name in sorted(res.traced):
                src_line = lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""
                print(f"{repo}:{path}:{lineno}: {name}: {src_line}", file=sys.stderr)
        n = sum(res.counts.values())
        st["calls"] += n
        st["resolved"] += sum(res.resolved.values())
        per_file_rows.append((repo, path, 1, n))
        for k, v in res.counts.items():
            totals[k] += v
            nfiles[k] += 1
            kinds.setdefault(k, res.kinds[k])
        resolved.update(res.resolved)
        for k, v in res.refs.items():
            refs[k] += v
            ref_files[k] += 1
    return {
        "ranked": sorted(totals.items(), key=lambda kv: (-kv[1], kv[0])),
        "files": nfiles,
        "resolved": resolved,
        "kinds": kinds,
        "refs": sorted(refs.items(), key=lambda kv: (-kv[1], kv[0])),
        "ref_files": ref_files,
        "per_source": per_source,
        "per_file": sorted(per_file_rows),
        "failures": failures,
    }


def _csv(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def write_outputs(counted: dict, out: Path, details: Path | None) -> list[Path]:
    from torchspecs.files import write_all

    ranked, nfiles, resolved, kinds = counted["ranked"], counted["files"], counted["resolved"], counted["kinds"]
    outputs = {
        out: _csv(["rank", "api", "calls", "files"], ((i, k, v, nfiles[k]) for i, (k, v) in enumerate(ranked, 1)))
    }
    if details is not None:
        outputs[details / "usage_detail.csv"] = _csv(
            ["rank", "api", "calls", "files", "kind", "resolved", "heuristic"],
            (
                (i, k, v, nfiles[k], "function" if resolved[k] == v else kinds[k], resolved[k], v - resolved[k])
                for i, (k, v) in enumerate(ranked, 1)
            ),
        )
        outputs[details / "usage_references.csv"] = _csv(
            ["rank", "api", "refs", "files"],
            ((i, k, v, counted["ref_files"][k]) for i, (k, v) in enumerate(counted["refs"], 1)),
        )
        outputs[details / "usage_per_file.csv"] = _csv(["source", "path", "parsed", "counted"], counted["per_file"])
    return write_all(outputs)


def summary(counted: dict, top: int, quiet: bool) -> list[str]:
    ranked, nfiles, per_source = counted["ranked"], counted["files"], counted["per_source"]
    total_calls = sum(v for _, v in ranked)
    lines = []
    if not quiet:
        lines += [f"top {min(top, len(ranked))} of {len(ranked)} APIs", f"{'rank':>4}  {'calls':>6}  {'files':>5}  api"]
        lines += [f"{i:>4}  {v:>6}  {nfiles[k]:>5}  {k}" for i, (k, v) in enumerate(ranked[:top], 1)]
        lines.append("")
    lines.append("per source: files (parse failures) counted-calls [resolved]")
    lines += [
        f"  {repo:45s} {s['files']:>5} ({s['failed']}) {s['calls']:>7} [{s['resolved']}]"
        for repo, s in per_source.items()
    ]
    parsed = sum(s["files"] - s["failed"] for s in per_source.values())
    lines.append(f"files parsed: {parsed}; files failing to parse: {len(counted['failures'])}")
    lines += [f"  parse failure: {failure}" for failure in counted["failures"]]
    lines.append(f"distinct APIs: {len(ranked)}; total counted calls: {total_calls}")
    if total_calls:
        top_calls = sum(v for _, v in ranked[:top])
        lines.append(f"top {min(top, len(ranked))} cover {top_calls} calls = {100.0 * top_calls / total_calls:.1f}%")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m torchspecs.usage", description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=MANIFEST, help="the corpus (default: the bundled one)")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--sources", type=Path, help="the folder holding the corpus's git copies and wheels/")
    where.add_argument(
        "--tree", type=Path, help="a folder of files: DIR/<owner>+<name>/<path>, or any *.py with --no-manifest"
    )
    where.add_argument("--refresh-names", action="store_true", help="rewrite usage_names.json from the installed torch")
    parser.add_argument("--no-manifest", action="store_true", help="with --tree: count every *.py under it")
    parser.add_argument("--names", type=Path, default=NAMES, help="the torch names the counter resolves")
    parser.add_argument(
        "--out", type=Path, default=RANKED, help="the ranked list (default: torchspecs/usage_ranked.csv)"
    )
    parser.add_argument("--details", type=Path, help="a folder for the per-API detail, references and per-file counts")
    parser.add_argument("--top", type=int, default=200)
    parser.add_argument("--quiet", action="store_true", help="print the totals only")
    parser.add_argument("--trace", help="regex: print every counted use of matching APIs (file:line: api: source line)")
    args = parser.parse_args(argv)
    try:
        if args.refresh_names:
            from torchspecs.files import write_atomically

            write_atomically(args.names, json.dumps(names_from_torch(), indent=1, sort_keys=True) + "\n")
            print(f"wrote {args.names}")
            return 0
        try:
            api = ApiData(args.names)
        except (OSError, ValueError, KeyError) as error:
            raise CorpusError(f"{args.names}: not a names file from --refresh-names ({error!r})") from error
        analyzer = Analyzer(api, re.compile(args.trace) if args.trace else None)
        if args.no_manifest:
            if args.tree is None:
                parser.error("--no-manifest needs --tree")
            files = [
                ("tree", p.relative_to(args.tree).as_posix(), p.read_bytes()) for p in sorted(args.tree.rglob("*.py"))
            ]
        else:
            files = [
                (source["repo"], path, data)
                for source in load_manifest(args.manifest)
                for path, data in iter_source_files(source, args.sources, args.tree)
            ]
        counted = count(files, analyzer)
        written = write_outputs(counted, args.out, args.details)
    except CorpusError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("\n".join(summary(counted, args.top, args.quiet)))
    print(f"names from torch {api.version}; wrote {', '.join(map(str, written))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
