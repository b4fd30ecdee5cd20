/** The dashboard's stylesheet (api/ui/page.ts). */
export const PAGE_STYLE = String.raw`
:root { --fg: #1d2329; --muted: #68737d; --line: #dde2e6; --bg: #f7f8f9; --deny: #c62828;
  --deny-bg: #fdecea; --ok: #2e7d32; --ok-bg: #e8f5e9; --warn: #a15c00; --warn-bg: #fff4e0; --row: 28px }
* { box-sizing: border-box }
body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #fff }
header { display: flex; align-items: baseline; gap: 1rem; padding: .6rem 1rem; border-bottom: 1px solid var(--line) }
header h1 { font-size: 16px; margin: 0 }
.about { color: var(--muted) }
.conn { font-size: 12px; padding: 1px 8px; border-radius: 9px; background: var(--warn-bg); color: var(--warn) }
.conn[data-state="live"] { background: var(--ok-bg); color: var(--ok) }
.conn[data-state="down"] { background: var(--deny-bg); color: var(--deny) }
nav { display: flex; flex-wrap: wrap; gap: 2px; padding: 0 1rem; border-bottom: 1px solid var(--line); background: var(--bg) }
nav a { padding: .5rem .8rem; color: var(--fg); text-decoration: none; border-bottom: 2px solid transparent }
nav a.active { border-bottom-color: #1565c0; font-weight: 600 }
nav b { font-weight: 400; color: var(--muted) }
nav b.denials:not(:empty) { color: #fff; background: var(--deny); border-radius: 8px; padding: 0 6px }
main { padding: .8rem 1rem }
.view { display: none }
.view.active { display: block }
table { border-collapse: collapse; width: 100% }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top }
th { font-weight: 600; color: var(--muted); font-size: 12px }
code, .mono { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace }
.muted { color: var(--muted) }
.empty { color: var(--muted); padding: 1rem 0 }
.toolbar { display: flex; gap: 1rem; align-items: center; margin-bottom: .5rem }
.toolbar input[type=search] { padding: 4px 6px }
.badge { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 11px; background: #eceff1 }
.s-RUNNING, .s-ACTIVE, .s-HEALTHY, .s-healthy, .s-COMPLETED, .s-Allow { background: var(--ok-bg); color: var(--ok) }
.s-STOPPED, .s-UNHEALTHY, .s-unhealthy, .s-FAILED, .s-INACTIVE, .s-ImplicitDeny, .s-ExplicitDeny { background: var(--deny-bg); color: var(--deny) }
.s-PENDING, .s-PROVISIONING, .s-ACTIVATING, .s-DEACTIVATING, .s-STOPPING, .s-DEPROVISIONING, .s-IN_PROGRESS,
.s-DRAINING, .s-draining, .s-initial, .s-REGISTERING { background: var(--warn-bg); color: var(--warn) }
tr.denied td { background: var(--deny-bg) }
a.explain, button.link { color: #1565c0; cursor: pointer; background: none; border: 0; padding: 0; font: inherit; text-decoration: underline }
.card { border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; margin-bottom: .8rem }
.card h3 { margin: 0 0 .3rem; font-size: 14px }
.card h4 { margin: .6rem 0 .2rem; font-size: 12px; color: var(--muted) }
.events { max-height: 14rem; overflow: auto }
.row { display: grid; grid-template-columns: 15rem 8rem 11rem 11rem 6rem minmax(14rem, 1fr) 16rem; gap: 8px;
  align-items: center; height: var(--row); padding: 0 8px; border-bottom: 1px solid var(--line); white-space: nowrap }
.row > span { overflow: hidden; text-overflow: ellipsis }
.task-head { color: var(--muted); font-size: 12px; font-weight: 600; background: var(--bg) }
.scroller { position: relative; height: calc(100vh - 12rem); min-height: 300px; overflow-y: auto; border: 1px solid var(--line); border-top: 0 }
.scroller .rows { position: absolute; left: 0; right: 0; top: 0 }
.scroller .row { cursor: pointer }
.scroller .row:hover { background: var(--bg) }
aside#panel { position: fixed; top: 0; right: 0; bottom: 0; width: min(46rem, 95vw); background: #fff;
  border-left: 1px solid var(--line); box-shadow: -4px 0 16px rgba(0,0,0,.08); overflow: auto; padding: .8rem 1rem }
.panel-head { display: flex; justify-content: space-between; align-items: center; gap: 1rem }
.panel-head h2 { font-size: 15px; margin: 0; word-break: break-all }
pre { background: var(--bg); padding: .5rem; overflow-x: auto; white-space: pre-wrap; word-break: break-word; font: 12px ui-monospace, Menlo, monospace }
ol.chain li { margin-bottom: .3rem }
.drop { border: 2px dashed var(--line); border-radius: 8px; padding: 1rem; text-align: center; color: var(--muted) }
.drop.over { border-color: #1565c0; background: #e3f2fd }
.button { color: #1565c0; text-decoration: underline; cursor: pointer }
.grid th { white-space: nowrap }
.cell { display: inline-block; margin: 2px; padding: 2px 6px; border-radius: 3px; font: 12px ui-monospace, monospace; cursor: pointer; border: 0 }
.cell.breaks { background: #f4b6b6 } .cell.no-effect { background: #c8e6c9 } .cell.not-granted { background: #ddd }
`
