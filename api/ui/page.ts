/**
 * The dashboard page: HTML, CSS and vanilla JS in one document, served as is (no build step,
 * nothing fetched from elsewhere). Kept as a string so that the bundled CLI (dist/) carries it.
 * The script never writes untrusted text as HTML: every value goes in through textContent.
 *
 * State arrives from `/_emulator/ui/events`: a snapshot, then deltas. Each view renders only
 * when it is shown and something it shows changed; the task list renders only the rows in view.
 */
import { PAGE_SCRIPT } from './script.js'
import { PAGE_STYLE } from './style.js'

export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ecs-emulator dashboard</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
  <h1>ecs-emulator</h1>
  <span id="conn" class="conn" data-state="connecting">connecting</span>
  <span id="about" class="about"></span>
</header>
<nav id="tabs">
  <a href="#clusters" data-view="clusters">Clusters <b data-count="clusters"></b></a>
  <a href="#instances" data-view="instances">Container instances <b data-count="instances"></b></a>
  <a href="#services" data-view="services">Services <b data-count="services"></b></a>
  <a href="#tasks" data-view="tasks">Tasks <b data-count="tasks"></b></a>
  <a href="#targetGroups" data-view="targetGroups">Target groups <b data-count="targetGroups"></b></a>
  <a href="#roles" data-view="roles">Roles <b data-count="roles"></b></a>
  <a href="#decisions" data-view="decisions">Decisions <b data-count="denials" class="denials"></b></a>
  <a href="#drill" data-view="drill">Drill report</a>
</nav>
<main>
  <section id="view-clusters" class="view"></section>
  <section id="view-instances" class="view"></section>
  <section id="view-services" class="view"></section>
  <section id="view-tasks" class="view">
    <div class="toolbar">
      <input id="task-filter" type="search" placeholder="filter: id, cluster, family, status, group" size="40">
      <span id="task-shown"></span>
    </div>
    <div class="task-head row">
      <span>task</span><span>cluster</span><span>family:rev</span><span>last / desired</span>
      <span>health</span><span>containers (status, exit code)</span><span>stopped</span>
    </div>
    <div id="task-list" class="scroller" data-total="0"><div class="spacer"></div><div class="rows"></div></div>
  </section>
  <section id="view-targetGroups" class="view"></section>
  <section id="view-roles" class="view"></section>
  <section id="view-decisions" class="view">
    <div class="toolbar">
      <label><input id="denials-only" type="checkbox"> denials only</label>
      <input id="decision-filter" type="search" placeholder="filter: principal, action, resource" size="40">
      <span id="decision-shown"></span>
    </div>
    <table class="decisions"><thead><tr><th>time</th><th>decision</th><th>principal</th><th>action</th>
      <th>resource</th><th>on behalf of</th><th></th></tr></thead><tbody id="decision-rows"></tbody></table>
  </section>
  <section id="view-drill" class="view">
    <div id="drop" class="drop">
      <p>Open an ablation report (<code>ablation-SCENARIO.json</code>, written by
        <code>ecs-emulator drill --ablate --out DIR</code>): drop it here or
        <label class="button">choose a file<input id="report-file" type="file" accept=".json,application/json" hidden></label></p>
    </div>
    <div id="report"></div>
  </section>
</main>
<aside id="panel" hidden>
  <div class="panel-head"><h2 id="panel-title"></h2><button id="panel-close" type="button">close</button></div>
  <div id="panel-body"></div>
</aside>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`
