"""The report's plots, drawn with matplotlib (Agg, no display) from a ReportData.

Each plot function returns a Figure; `save_figure` writes it as PNG and SVG with fixed
metadata and a fixed SVG hash salt, so rerunning on the same store gives byte-identical
files. Text is sized for reading at the default size (figures are about 10 inches wide,
saved at 150 dpi), and every plot with more than one series has a legend.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere: never open a window

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import PathPatch, Rectangle  # noqa: E402
from matplotlib.path import Path as MPath  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from licensegraph.api.export_results import ReportData  # noqa: E402
from licensegraph.vocab import ABSENT, NONE, UNKNOWN  # noqa: E402

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
RELATION_COLOURS = {"finetune": "#0072B2", "adapter": "#009E73", "quantization": "#E69F00", "merge": "#CC79A7"}
FALLBACK_COLOUR = "#999999"
VIOLATION, WARNING, CLEAN = "#D55E00", "#F0E442", "#BBBBBB"
KEPT, CHANGED, DROPPED = "#56B4E9", "#CC79A7", "#D55E00"

RC = {
    "svg.hashsalt": "licensegraph",  # fixed ids in SVG output: reruns are byte-identical
    "svg.fonttype": "path",  # text as paths: the SVG needs no font on the reader's machine
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
}
DPI = 150
WIDTH = 10.0  # inches


def _figure(height: float, **kwargs) -> Figure:
    fig = Figure(figsize=(WIDTH, height), layout="constrained", **kwargs)
    FigureCanvasAgg(fig)
    return fig


def _footnote(fig: Figure, text: str) -> None:
    """A grey note under the plot, with room kept for it by the layout engine."""
    height = fig.get_figheight()
    lines = text.count("\n") + 1
    fig.get_layout_engine().set(rect=(0, (0.08 + 0.16 * lines) / height, 1, 1 - (0.08 + 0.16 * lines) / height))
    fig.text(0.01, 0.04 / height, text, fontsize=8, color="#555555", va="bottom")


def _title_and_legend(fig: Figure, ax, title: str, legend_title: str | None = None, handles=None) -> None:
    """The title, then the legend in one row under it, both above the plot: the legend
    never covers a bar or a label."""
    fig.suptitle(title, fontweight="bold", fontsize=12)
    h, labels = handles if handles is not None else ax.get_legend_handles_labels()
    ax.legend(h, labels, loc="lower center", bbox_to_anchor=(0.5, 1.01), ncols=min(len(labels), 5),
              title=legend_title, fontsize=9, title_fontsize=9)


def _relation_colour(relation: str) -> str:
    return RELATION_COLOURS.get(relation, FALLBACK_COLOUR)


def _empty(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=11, color="#555555")
    ax.set_axis_off()


def _short(text: str, limit: int = 42) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- 1. relation shares -----------------------------------------------------------------


def relation_shares(data: ReportData) -> Figure:
    """Share of edges per relation, as licensegraph decided them and as the Hub labelled them."""
    fig = _figure(4.2)
    ax = fig.add_subplot()
    rows = [r for r in data.relation_shares if r.corrected_edges or r.hub_edges]
    if not rows:
        _empty(ax, "no lineage edges in the store")
        return fig
    y = list(range(len(rows)))[::-1]
    h = 0.38
    ax.barh([v + h / 2 for v in y], [r.corrected_share for r in rows], height=h,
            color=[_relation_colour(r.relation) for r in rows], label="corrected (licensegraph)")
    ax.barh([v - h / 2 for v in y], [r.hub_share for r in rows], height=h,
            color=[_relation_colour(r.relation) for r in rows], alpha=0.35, hatch="//", edgecolor="#555555",
            linewidth=0.5, label="Hub label")
    for v, r in zip(y, rows):
        ax.text(r.corrected_share + 1, v + h / 2, f"{r.corrected_share:.1f}%  ({r.corrected_edges:,})",
                va="center", fontsize=9)
        ax.text(r.hub_share + 1, v - h / 2, f"{r.hub_share:.1f}%  ({r.hub_edges:,})", va="center", fontsize=9,
                color="#444444")
    ax.set_yticks(y, [r.relation for r in rows])
    ax.set_xlim(0, 118)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("share of edges (%)")

    unl = f"; {data.hub_unlabelled_edges:,} edges carry no Hub label" if data.hub_unlabelled_edges else ""
    _footnote(fig, f"{data.edges:,} edges{unl}. Corrected relations are decided in the order: declared, "
              "evidence, Hub tag, default (rules.md).")
    _title_and_legend(fig, ax, "Edges by relation: corrected vs Hub-labelled")
    return fig


# -- 2. the study table --------------------------------------------------------------------


def study_table(data: ReportData) -> Figure:
    """Noncompliant models per rule row, stacked by relation, with the row's denominator."""
    rows = data.study_rows
    fig = _figure(1.6 + 0.42 * max(len(rows), 3))
    ax = fig.add_subplot()
    if not rows:
        _empty(ax, "no audit has been run on this store: run `licensegraph audit`")
        return fig
    relations = list(rows[0].by_relation)  # the study's column order
    y = list(range(len(rows)))[::-1]
    left = [0] * len(rows)
    for rel in relations:
        counts = [r.by_relation[rel].count for r in rows]
        ax.barh(y, counts, left=left, color=_relation_colour(rel), label=rel, height=0.62)
        left = [a + b for a, b in zip(left, counts)]
    # models without a parent count in a row's total but in no relation column
    rest = [r.noncompliant - done for r, done in zip(rows, left)]
    if any(v > 0 for v in rest):
        ax.barh(y, [max(v, 0) for v in rest], left=left, color="#DDDDDD", label="no parent (root models)",
                height=0.62)
    top = max((r.noncompliant for r in rows), default=0) or 1
    for v, r in zip(y, rows):
        ax.text(r.noncompliant + top * 0.01, v,
                f"{r.noncompliant:,} of {r.qualifying:,} ({r.noncompliant_pct:.1f}%)", va="center", fontsize=9)
    ax.set_yticks(y, [r.label + ("" if r.in_study else " *") for r in rows])
    ax.set_xlim(0, top * 1.32)
    ax.set_xlabel("noncompliant models")
    study = [v for v, r in zip(y, rows) if r.in_study]
    beyond = [v for v, r in zip(y, rows) if not r.in_study]
    if study and beyond:
        ax.axhline((min(study) + max(beyond)) / 2, color="#888888", linewidth=0.8, linestyle="--")
    _title_and_legend(fig, ax, f"Noncompliance per rule, by relation ({data.view} view)", "relation to parent")
    _footnote(fig, "* beyond the study's table. Labels: noncompliant of qualifying models (% of the denominator).")
    return fig


# -- 3. license flows ------------------------------------------------------------------------


def _stack(sizes: list[int], top: float, bottom: float, gap: float, min_h: float) -> list[tuple[float, float]]:
    """Vertical spans (y0, y1) for nodes of the given sizes, top to bottom, each at least
    min_h tall so that its label fits."""
    n = len(sizes)
    avail = (top - bottom) - gap * (n - 1)
    total = sum(sizes) or 1
    heights = [max(avail * s / total, min_h) for s in sizes]
    scale = avail / sum(heights)
    if scale < 1:  # the minimums overflowed: shrink the big ones only
        big = [h for h in heights if h > min_h]
        excess = sum(heights) - avail
        factor = max((sum(big) - excess) / sum(big), 0.1) if big else 1.0
        heights = [h * factor if h > min_h else h for h in heights]
    spans, y = [], top
    for h in heights:
        spans.append((y - h, y))
        y -= h + gap
    return spans


def _ribbon(x0: float, x1: float, a: tuple[float, float], b: tuple[float, float]) -> MPath:
    """A band from span a at x0 to span b at x1, with S-shaped edges."""
    xm = (x0 + x1) / 2
    verts = [(x0, a[1]), (xm, a[1]), (xm, b[1]), (x1, b[1]),
             (x1, b[0]), (xm, b[0]), (xm, a[0]), (x0, a[0]), (x0, a[1])]
    codes = [MPath.MOVETO, MPath.CURVE4, MPath.CURVE4, MPath.CURVE4,
             MPath.LINETO, MPath.CURVE4, MPath.CURVE4, MPath.CURVE4, MPath.CLOSEPOLY]
    return MPath(verts, codes)


def _license_label(name: str) -> str:
    return "not in store" if name == ABSENT else name


def root_license_label(family) -> str:
    """A family root's license, or why none is known: it is only named by its children (not
    in store), or known only from lineage rows (no Hub record, so no declared license)."""
    if not family.in_store:
        return "not in store"
    return "no Hub record" if family.root_license == ABSENT else family.root_license


def _flow_panel(ax, relation: str, flows: list) -> None:
    out_tot, in_tot = defaultdict(int), defaultdict(int)
    for f in flows:
        out_tot[f.parent_license] += f.edges
        in_tot[f.child_license] += f.edges

    def order(totals):  # biggest first, the pooled rest last
        return sorted(totals, key=lambda k: (k == "other licenses", -totals[k], k))

    parents, children = order(out_tot), order(in_tot)
    total = sum(out_tot.values())
    x_l, x_r, w = 0.0, 1.0, 0.04
    p_span = dict(zip(parents, _stack([out_tot[p] for p in parents], 1.0, 0.0, 0.035, 0.07)))
    c_span = dict(zip(children, _stack([in_tot[c] for c in children], 1.0, 0.0, 0.035, 0.07)))
    p_used = {p: p_span[p][1] for p in parents}  # fill each node from its top down
    c_used = {c: c_span[c][1] for c in children}
    for f in sorted(flows, key=lambda f: (parents.index(f.parent_license), children.index(f.child_license))):
        ps, cs = p_span[f.parent_license], c_span[f.child_license]
        ph = (ps[1] - ps[0]) * f.edges / out_tot[f.parent_license]
        ch = (cs[1] - cs[0]) * f.edges / in_tot[f.child_license]
        a = (p_used[f.parent_license] - ph, p_used[f.parent_license])
        b = (c_used[f.child_license] - ch, c_used[f.child_license])
        p_used[f.parent_license] -= ph
        c_used[f.child_license] -= ch
        if f.child_license in (NONE, UNKNOWN):
            colour = DROPPED
        elif f.child_license == f.parent_license and f.parent_license != "other licenses":
            colour = KEPT
        else:
            colour = CHANGED
        ax.add_patch(PathPatch(_ribbon(x_l + w, x_r - w, a, b), facecolor=colour, alpha=0.55, edgecolor="none"))
    for name, (y0, y1) in p_span.items():
        ax.add_patch(Rectangle((x_l, y0), w, y1 - y0, color="#333333"))
        ax.text(x_l - 0.015, (y0 + y1) / 2, f"{_short(_license_label(name), 26)} ({out_tot[name]:,})", ha="right", va="center",
                fontsize=8.5)
    for name, (y0, y1) in c_span.items():
        ax.add_patch(Rectangle((x_r - w, y0), w, y1 - y0, color="#333333"))
        ax.text(x_r + 0.015, (y0 + y1) / 2, f"{_short(_license_label(name), 26)} ({in_tot[name]:,})", ha="left", va="center",
                fontsize=8.5)
    ax.set_xlim(-0.62, 1.62)
    ax.set_ylim(-0.02, 1.08)
    ax.text(x_l + w / 2, 1.045, "parent license", ha="center", fontsize=8.5, style="italic")
    ax.text(x_r - w / 2, 1.045, "child license", ha="center", fontsize=8.5, style="italic")
    ax.set_title(f"{relation} ({total:,} edges)", fontsize=11)
    ax.set_axis_off()


def license_flows(data: ReportData) -> Figure:
    """Parent license -> child license, one flow diagram per relation."""
    by_rel: dict[str, list] = defaultdict(list)
    for f in data.license_flows:
        by_rel[f.relation].append(f)
    relations = list(by_rel)
    n = max(len(relations), 1)
    cols = 2 if n > 1 else 1
    rows = (n + 1) // 2 if n > 1 else 1
    fig = _figure(0.6 + 4.2 * rows)
    if not relations:
        _empty(fig.add_subplot(), "no edge whose child has a Hub record")
        return fig
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, rel in zip(axes.flat, relations):
        _flow_panel(ax, rel, by_rel[rel])
    for ax in list(axes.flat)[len(relations):]:
        ax.set_axis_off()
    from matplotlib.patches import Patch

    fig.legend(handles=[Patch(color=KEPT, alpha=0.55, label="child keeps the parent's license"),
                        Patch(color=CHANGED, alpha=0.55, label="child declares another license"),
                        Patch(color=DROPPED, alpha=0.55, label="child declares none / unknown")],
               loc="outside lower center", ncols=3)
    fig.suptitle("License flows: parent license -> child license, per relation (declared licenses)",
                 fontweight="bold", fontsize=12)
    return fig


# -- 4. noncompliance by creation month ---------------------------------------------------------


def by_month(data: ReportData) -> Figure:
    """Models created per month, by their worst finding in the report's view."""
    fig = _figure(4.6)
    ax = fig.add_subplot()
    months = data.months
    if not months:
        _empty(ax, "no model with a known creation time")
        return fig
    x = list(range(len(months)))
    v = [m.with_violation for m in months]
    w = [m.with_warning_only for m in months]
    c = [m.models - m.with_violation - m.with_warning_only for m in months]
    ax.bar(x, v, color=VIOLATION, label="with a violation", width=0.8)
    ax.bar(x, w, bottom=v, color=WARNING, label="warnings or risks only", width=0.8)
    ax.bar(x, c, bottom=[a + b for a, b in zip(v, w)], color=CLEAN, label="no finding", width=0.8)
    step = max(1, -(-len(months) // 16))  # at most ~16 labels: no overlap at this width
    ticks = [i for i in x if i % step == 0]
    ax.set_xticks(ticks, [months[i].month for i in ticks], rotation=45, ha="right")
    ax.set_xlim(-0.8, len(months) - 0.2)
    ax.set_ylabel("models created")
    share = ax.twinx()
    # a month without models has no share: a gap in the line, not a zero
    share.plot(x, [100 * m.with_violation / m.models if m.models else float("nan") for m in months], color="#333333",
               linewidth=1.4, marker="o", markersize=3, label="% with a violation")
    share.set_ylim(0, 105)
    share.set_ylabel("% with a violation")
    share.spines["right"].set_visible(True)
    handles = ax.get_legend_handles_labels()
    more = share.get_legend_handles_labels()
    _title_and_legend(fig, ax, f"Models by creation month and worst finding ({data.view} view)",
                      handles=(handles[0] + more[0], handles[1] + more[1]))
    if data.undated_models:
        _footnote(fig, f"{data.undated_models:,} models without a known creation time are left out.")
    return fig


# -- 5. most reused models with a violation -------------------------------------------------------


def most_reused(data: ReportData) -> Figure:
    """Models with a violation that others build on, by their derivatives."""
    rows = data.most_reused
    fig = _figure(1.4 + 0.55 * max(len(rows), 3))
    ax = fig.add_subplot()
    if not rows:
        _empty(ax, f"no model with a violation has derivatives ({data.view} view)")
        return fig
    y = list(range(len(rows)))[::-1]
    ax.barh(y, [r.descendants for r in rows], color="#E69F00", alpha=0.45, height=0.66,
            label="all descendants (transitive)")
    ax.barh(y, [r.children for r in rows], color=VIOLATION, height=0.66, label="direct derivatives")
    top = max(r.descendants for r in rows) or 1
    for v, r in zip(y, rows):
        ax.text(r.descendants + top * 0.01, v, f"{r.children:,} / {r.descendants:,}", va="center", fontsize=9)
    ax.set_yticks(y, [f"{_short(r.model_id, 48)}\n{r.license}: {_short(', '.join(r.labels), 48)}" for r in rows],
                  fontsize=8.5)
    ax.set_xlim(0, top * 1.18)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("models built on it")
    _title_and_legend(fig, ax, f"Most reused models with a violation ({data.view} view)")
    return fig


# -- 6. largest families -----------------------------------------------------------------------------


def families(data: ReportData) -> Figure:
    """Root models with the most descendants, stacked by the descendants' relation."""
    rows = data.families
    fig = _figure(1.4 + 0.42 * max(len(rows), 3))
    ax = fig.add_subplot()
    if not rows:
        _empty(ax, "no lineage edges in the store")
        return fig
    y = list(range(len(rows)))[::-1]
    relations = list(rows[0].by_relation)
    left = [0] * len(rows)
    for rel in relations:
        counts = [r.by_relation.get(rel, 0) for r in rows]
        ax.barh(y, counts, left=left, color=_relation_colour(rel), label=rel, height=0.66)
        left = [a + b for a, b in zip(left, counts)]
    top = max(r.descendants for r in rows) or 1
    for v, r in zip(y, rows):
        ax.text(r.descendants + top * 0.01, v, f"{r.descendants:,}", va="center", fontsize=9)
    ax.set_yticks(y, [f"{_short(r.root_id, 46)} ({root_license_label(r)})"
                      for r in rows], fontsize=9)
    ax.set_xlim(0, top * 1.12)
    ax.set_xlabel("descendants (transitive, each counted once per family)")
    _title_and_legend(fig, ax, "Largest families: root models by descendants", "descendant's relation")
    return fig


#: name -> (function, one-line caption), in the report's order.
PLOTS = {
    "relation-shares": (relation_shares, "Share of lineage edges per relation, corrected by licensegraph "
                                         "and as the Hub labelled them."),
    "study-table": (study_table, "The study-style table as bars: noncompliant models per rule, stacked by "
                                 "their relation to their parent."),
    "license-flows": (license_flows, "Declared license of the parent (left) flowing to the declared license "
                                     "of the child (right), per relation."),
    "noncompliance-by-month": (by_month, "Models created per month, by their worst finding; the line is the "
                                         "share with a violation."),
    "most-reused-noncompliant": (most_reused, "Models with a violation that others build on: direct derivatives "
                                              "and all descendants."),
    "largest-families": (families, "Root models with the most descendants, stacked by relation."),
}


def save_figure(fig: Figure, out_dir: Path, name: str) -> list[Path]:
    """Write `name`.png and `name`.svg into out_dir, reproducibly; return both paths."""
    png, svg = out_dir / f"{name}.png", out_dir / f"{name}.svg"
    with matplotlib.rc_context(RC):
        fig.savefig(png, dpi=DPI, metadata={"Software": None})
        fig.savefig(svg, metadata={"Date": None, "Creator": None})
    return [png, svg]


def render_plots(data: ReportData, out_dir: Path) -> dict[str, list[Path]]:
    """Draw every plot of the report into out_dir (PNG and SVG each)."""
    out: dict[str, list[Path]] = {}
    with matplotlib.rc_context(RC):
        for name, (draw, _) in PLOTS.items():
            fig = draw(data)
            out[name] = save_figure(fig, out_dir, name)
    return out
