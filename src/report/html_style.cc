// The HTML page's stylesheet, inline so that the page is one file.
#include "report/html_parts.h"

namespace nnd::report::html {

std::string_view stylesheet() {
  return R"css(
:root { --ink: #1f2328; --muted: #656d76; --line: #d0d7de; --soft: #f6f8fa; --accent: #0b5cad;
        --bad: #b42318; --bad-soft: #fdecea; --good: #1a7f37; }
* { box-sizing: border-box; }
body { margin: 0; background: #eef1f4; color: var(--ink);
       font: 14px/1.45 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; background: #fff;
       min-height: 100vh; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 21px; margin: 40px 0 6px; padding-top: 14px; border-top: 3px solid var(--accent); }
h3 { font-size: 16px; margin: 26px 0 8px; color: #24292f; }
p { margin: 6px 0; }
code, .key, .message { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 12px; }
.meta, .muted, .legend, .empty { color: var(--muted); }
.empty { font-style: italic; }
.notes { background: #fff8e5; border: 1px solid #f0d68a; border-radius: 6px; padding: 8px 16px;
         margin: 16px 0; }
.notes h2 { border: 0; margin: 4px 0; padding: 0; font-size: 16px; }
.notes ul { margin: 4px 0 6px; padding-left: 20px; }
nav ul { columns: 2; padding-left: 20px; margin: 6px 0; }
nav a, a { color: var(--accent); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 4px 0 8px; font-size: 12.5px; }
th { background: var(--soft); text-align: left; font-weight: 600; }
th, td { border: 1px solid var(--line); padding: 3px 7px; vertical-align: top; }
td { white-space: nowrap; }
tbody tr:nth-child(even) { background: #fbfcfd; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.baseline { font-weight: 700; }
td.note { white-space: normal; min-width: 220px; max-width: 360px; }
td.message { white-space: pre-wrap; min-width: 320px; max-width: 560px; word-break: break-word; }
.bad { color: var(--bad); font-weight: 600; }
.good { color: var(--good); }
tr.differs td:first-child { box-shadow: inset 3px 0 0 var(--bad); }
tr.slower { background: var(--bad-soft) !important; }
.badge { background: var(--bad); color: #fff; border-radius: 10px; padding: 1px 8px;
         font-size: 11.5px; font-weight: 600; white-space: nowrap; }
.status { border-radius: 4px; padding: 0 6px; background: #eaeef2; font-weight: 600; }
.status.crashed, .status.hung, .status.stuck { background: var(--bad-soft); color: var(--bad); }
td.killed { background: #e34a33; color: #fff; font-weight: 600; }
td.survived { background: #eef7ee; color: var(--good); }
tr.score td { font-weight: 700; background: var(--soft); }
.chart { margin: 6px 0 4px; }
svg { display: block; max-width: 100%; height: auto; font-family: "DejaVu Sans", Arial, sans-serif; }
svg .grid { stroke: #e4e8ec; stroke-width: 1; }
svg .axis { stroke: #8c959f; stroke-width: 1; }
svg .tick { font-size: 11px; fill: var(--muted); }
svg .axis-title { font-size: 11.5px; fill: var(--muted); }
svg .label { font-size: 12px; fill: var(--ink); }
svg .label.baseline { font-weight: 700; }
svg .value { font-size: 12px; fill: var(--ink); font-variant-numeric: tabular-nums; }
svg .bar { fill: #7aa6d6; }
svg .bar.baseline { fill: #0b5cad; }
svg .whisker { stroke: #1f2328; stroke-width: 1.6; }
svg .stripe { fill: #f6f8fa; }
svg .box { fill: #dbe7f5; stroke: #4a78a8; stroke-width: 1.2; }
svg .dot { fill: #0b5cad; fill-opacity: 0.35; }
svg .ci { fill: #f59e0b; fill-opacity: 0.55; }
svg .median { stroke: #b42318; stroke-width: 2.4; }
svg .cell { stroke: #fff; stroke-width: 1.5; }
svg .cell.diagonal { fill: #eaeef2; }
svg .cell.missing { fill: #f3f4f6; }
svg .cell-text { font-size: 11.5px; fill: var(--ink); }
svg .cell-text.light { fill: #fff; font-weight: 600; }
svg .legend { stroke: var(--line); }
.gallery { display: flex; flex-wrap: wrap; gap: 10px; }
figure.item { margin: 0; width: 212px; border: 1px solid var(--line); border-radius: 6px;
              padding: 8px; background: #fff; }
figure.item img { display: block; width: 84px; height: 84px; image-rendering: pixelated;
                  border: 1px solid var(--line); margin-bottom: 4px; }
.noimage { font-size: 11.5px; color: var(--bad); background: var(--bad-soft); padding: 4px;
           word-break: break-word; margin-bottom: 4px; }
figcaption .key { word-break: break-all; }
table.votes { width: 100%; font-size: 11.5px; margin-top: 4px; }
table.votes td { padding: 1px 4px; border-color: #eaeef2; }
table.votes tr.off { background: #fff1cc; font-weight: 700; }
td.wrong { text-decoration: line-through; color: var(--bad); }
)css";
}

}  // namespace nnd::report::html
