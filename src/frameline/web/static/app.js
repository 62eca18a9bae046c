// Frameline pages: small progressive enhancements. Every page works without this file;
// no inline scripts anywhere (the Content-Security-Policy forbids them).
"use strict";

function setupLayers() {
  const text = document.getElementById("doc-text");
  if (!text) return;
  for (const box of document.querySelectorAll(".layers input[data-layer]")) {
    box.addEventListener("change", () => text.classList.toggle("hide-" + box.dataset.layer, !box.checked));
  }
  let spans = [];
  try { spans = JSON.parse(text.dataset.spans || "[]"); } catch (error) { spans = []; }
  const card = document.getElementById("hovercard");
  const hidden = (mark) => {
    const layer = [...mark.classList].find((c) => c.startsWith("hl-"));
    return layer && text.classList.contains("hide-" + layer.slice(3));
  };
  const show = (event) => {
    const mark = event.target.closest("mark.hl");
    if (!mark) { card.hidden = true; return; }
    card.replaceChildren();
    for (let node = mark; node && node !== text; node = node.parentElement) {
      if (!node.matches("mark.hl") || hidden(node)) continue;
      const span = spans[Number(node.dataset.span)];
      if (!span) continue;
      const item = document.createElement("div");
      item.className = "hc-item";
      const label = document.createElement("div");
      label.className = "hc-label";
      label.textContent = (span.heading || span.layer + ": " + span.label) + (span.score == null ? "" : "  (score " + Number(span.score).toFixed(2) + ")");
      const meta = document.createElement("div");
      meta.className = "hc-meta";
      meta.textContent = "by " + span.producer;
      const evidence = document.createElement("div");
      evidence.dir = "auto";
      evidence.textContent = span.evidence;
      item.append(label, meta, evidence);
      card.append(item);
    }
    if (!card.childElementCount) { card.hidden = true; return; }
    card.hidden = false;
    const x = Math.min(event.clientX + 14, window.innerWidth - card.offsetWidth - 8);
    const y = event.clientY + 18 + card.offsetHeight > window.innerHeight ? event.clientY - card.offsetHeight - 10 : event.clientY + 18;
    card.style.left = x + "px";
    card.style.top = y + "px";
  };
  text.addEventListener("mousemove", show);
  text.addEventListener("mouseleave", () => { card.hidden = true; });
}

function setupThumbnails() {
  for (const thumb of document.querySelectorAll(".thumb.blurred")) {
    thumb.addEventListener("click", () => { thumb.classList.remove("blurred"); thumb.title = ""; });
  }
}

function setupAnnotation() {
  const list = document.getElementById("sentences");
  if (!list) return;
  const items = [...list.querySelectorAll(".sentence")];
  let labels = [];
  try { labels = JSON.parse(document.getElementById("label-keys").dataset.labels || "[]"); } catch (error) { labels = []; }
  let current = Math.max(0, items.findIndex((item) => "#" + item.id === window.location.hash));
  const focus = (index) => {
    if (!items.length) return;
    current = Math.max(0, Math.min(items.length - 1, index));
    items.forEach((item, i) => item.classList.toggle("current", i === current));
    items[current].focus({ preventScroll: true });
    items[current].scrollIntoView({ block: "nearest" });
  };
  focus(current);
  items.forEach((item, i) => item.addEventListener("click", () => focus(i)));
  const submit = (item, decision) => {
    const button = item.querySelector("button[data-key='" + decision + "']");
    if (button) button.closest("form").requestSubmit();
  };
  document.addEventListener("keydown", (event) => {
    if (event.target.matches("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
    const item = items[current];
    if (event.key === "j") focus(current + 1);
    else if (event.key === "k") focus(current - 1);
    else if (event.key === "a" && item) submit(item, "a");
    else if (event.key === "r" && item) submit(item, "r");
    else if (event.key === "n") { const next = document.getElementById("next-document"); if (next) next.click(); }
    else if (/^[1-9]$/.test(event.key) && item && labels[Number(event.key) - 1]) {
      const form = item.querySelector(".add-form");
      form.querySelector("input[name=label]").value = labels[Number(event.key) - 1];
      form.requestSubmit();
    } else return;
    event.preventDefault();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setupLayers();
  setupThumbnails();
  setupAnnotation();
});
