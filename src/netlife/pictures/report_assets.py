"""The report's style sheet and script, inlined into every report (it must work offline).

The script only switches which pre-rendered graph frame is shown (the step slider, the
"show graph" buttons of the hang panel) and moves the timeline's cursor; everything else,
the transcript first, reads without it.
"""

CSS = """
body { font: 14px/1.45 "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 0; color: #1d1d1d;
       background: #fcfcfa; }
header.page { background: #1f2933; color: #f5f7fa; padding: 14px 24px; }
header.page h1 { margin: 0; font-size: 20px; }
header.page p { margin: 4px 0 0; color: #cbd2d9; }
article.run { margin: 18px 24px 36px; }
article.run > h2 { font-size: 19px; border-bottom: 2px solid #1f2933; padding-bottom: 4px; }
section { margin: 14px 0 22px; }
section > h3 { font-size: 15px; margin: 0 0 6px; color: #323f4b; }
.summary { color: #52606d; margin: 0 0 6px; }
pre { font: 12.5px/1.4 "DejaVu Sans Mono", Menlo, Consolas, monospace; margin: 0; }
pre.transcript, pre.dmesg { background: #ffffff; border: 1px solid #d9dde3; padding: 10px;
       overflow-x: auto; max-height: 36em; }
pre.transcript .vt, pre.dmesg .vt { color: #8a94a0; }
pre.transcript .prompt { color: #2f855a; font-weight: bold; }
pre.transcript .err { color: #b83232; }
.hang { border: 2px solid #d62828; border-radius: 6px; background: #fff6f5; padding: 10px 14px;
       margin: 8px 0; }
.hang h4 { margin: 0 0 6px; font-size: 14px; color: #9b1c1c; }
.hang pre.chain { white-space: pre-wrap; }
.hang .remedy { margin: 8px 0 0; font-weight: bold; }
.hang .remedy code { background: #fff; border: 1px solid #e5b4b4; padding: 1px 5px; }
.hang.released { border-color: #d69e2e; background: #fffbf0; }
.hang.released h4 { color: #8a5a00; }
.no-hang { color: #2f855a; }
.scroll { overflow-x: auto; background: #ffffff; border: 1px solid #d9dde3; }
.graph-controls { display: flex; gap: 12px; align-items: center; margin: 0 0 8px; }
.graph-controls input[type=range] { flex: 1; max-width: 640px; }
.frame-label { font-weight: bold; color: #323f4b; }
.frame { display: none; }
.frame.current { display: block; }
.frame > p { margin: 4px 8px; color: #52606d; font-size: 12.5px; }
button { font: inherit; font-size: 12.5px; padding: 2px 8px; cursor: pointer; }
.legend { font-size: 12px; color: #52606d; margin: 6px 0 0; }
.legend span { display: inline-block; margin-right: 14px; }
.legend i { display: inline-block; width: 22px; height: 10px; margin-right: 4px;
       vertical-align: middle; border-radius: 2px; }
"""

JS = """
(function () {
  document.querySelectorAll('article.run').forEach(function (run) {
    var slider = run.querySelector('input.step-slider');
    var frames = run.querySelectorAll('.frame');
    var label = run.querySelector('.frame-label');
    var cursor = run.querySelector('svg.timeline line.cursor');
    if (!slider || !frames.length) return;
    function show(i) {
      frames.forEach(function (f, k) { f.classList.toggle('current', k === i); });
      slider.value = String(i);
      label.textContent = frames[i].dataset.label;
      if (cursor) {
        cursor.setAttribute('x1', frames[i].dataset.x);
        cursor.setAttribute('x2', frames[i].dataset.x);
        cursor.setAttribute('visibility', 'visible');
      }
    }
    slider.addEventListener('input', function () { show(Number(slider.value)); });
    run.querySelectorAll('[data-goto-frame]').forEach(function (b) {
      b.addEventListener('click', function () {
        show(Number(b.dataset.gotoFrame));
        run.querySelector('section.graph').scrollIntoView();
      });
    });
    show(Number(slider.value));
  });
})();
"""
