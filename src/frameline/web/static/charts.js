// Charts of the insight pages (frames over time, compare, a re-post cluster's spread).
// The server builds each plotly figure and embeds it as a JSON data block
// (<script type="application/json" data-chart="ID">), never as code: this file only draws them,
// from our own origin, so the Content-Security-Policy can keep forbidding inline scripts.
"use strict";

function drawCharts() {
  const blocks = document.querySelectorAll("script[type='application/json'][data-chart]");
  if (!blocks.length) return;
  const holder = document.getElementById("frame-charts");
  if (typeof Plotly === "undefined") {
    for (const block of blocks) {
      const box = document.getElementById(block.dataset.chart);
      if (box) box.textContent = "The chart could not be drawn: plotly.js did not load.";
    }
    return;
  }
  const drawn = [];
  for (const block of blocks) {
    const box = document.getElementById(block.dataset.chart);
    if (!box) continue;
    let figure;
    try { figure = JSON.parse(block.textContent); } catch (error) { box.textContent = "The chart data is damaged."; continue; }
    // A fixed height: with `responsive`, plotly otherwise takes the height of a box that has none on resize.
    box.style.height = (figure.layout && figure.layout.height ? figure.layout.height : 400) + 18 + "px";  // + the padding
    drawn.push(Plotly.newPlot(box, figure.data, figure.layout, { displaylogo: false, responsive: true })
      .then(() => box.setAttribute("data-rendered", "true")));
  }
  Promise.all(drawn).then(() => { if (holder) holder.setAttribute("data-rendered", "true"); });
}

function autoSubmit() {
  for (const select of document.querySelectorAll("form select.autosubmit")) {
    select.addEventListener("change", () => select.form.submit());
  }
}

document.addEventListener("DOMContentLoaded", () => {
  autoSubmit();
  drawCharts();
});
