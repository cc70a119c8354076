// The thread page's slider and live follow; every page works without this script, it only saves reloads.
"use strict";

(function () {
  const root = document.querySelector(".thread[data-thread]");
  if (!root) return;
  const follow = document.getElementById("follow");
  const status = document.getElementById("live-status");
  const threadId = root.dataset.thread;
  const base = "/console/threads/" + encodeURIComponent(threadId);
  const slider = document.getElementById("version");
  const shown = document.getElementById("version-out");
  const headOut = document.getElementById("head-out");
  const panel = document.getElementById("panel");
  let controller = null;
  let source = null;
  let received = 0;
  let busy = false;
  let again = false;

  async function load(version) {
    if (controller) controller.abort();
    controller = new AbortController();
    const query = version === null ? "" : "?version=" + version;
    const response = await fetch(base + "/panel" + query, { signal: controller.signal, credentials: "same-origin" });
    if (response.redirected || response.status === 401) { window.location.reload(); return; }
    const text = await response.text();
    if (!response.ok) {  // an error page: say what it says, keep the transcript shown
      const problem = new DOMParser().parseFromString(text, "text/html").querySelector(".error p");
      status.textContent = problem ? problem.textContent : "Could not load that version (" + response.status + ").";
      return;
    }
    panel.innerHTML = text;
    const drawn = panel.querySelector(".panel");
    if (!drawn) return;
    slider.max = drawn.dataset.head;
    headOut.textContent = drawn.dataset.head;
    slider.value = drawn.dataset.version;
    shown.textContent = drawn.dataset.version;
    slider.setAttribute("aria-valuetext", "version " + drawn.dataset.version + " of " + drawn.dataset.head);
    const url = version === null ? base : base + "?version=" + version;
    history.replaceState(null, "", url);
  }

  let timer = null;
  function show(version) {
    shown.textContent = version;
    clearTimeout(timer);
    timer = setTimeout(() => load(version).catch(ignoreAborts), 120);
  }

  function ignoreAborts(error) {
    if (error.name !== "AbortError") status.textContent = "Could not load that version: " + error.message;
  }

  async function refreshLatest() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      do { again = false; await load(null); } while (again);
    } catch (error) {
      ignoreAborts(error);
    } finally {
      busy = false;
    }
  }

  const NAMES = ["thread.modified", "thread.deleted", "thread.message.created", "thread.message.in_progress",
    "thread.message.delta", "thread.message.completed", "thread.message.incomplete", "thread.message.modified",
    "thread.message.deleted", "conversation.item.created", "conversation.item.deleted"];

  function start() {
    stop();
    received = 0;
    follow.setAttribute("aria-pressed", "true");
    follow.textContent = "Stop following";
    status.textContent = "Following live: waiting for changes…";
    refreshLatest();
    source = new EventSource(base + "/live?after=" + encodeURIComponent(slider.max));
    NAMES.forEach((name) => source.addEventListener(name, (event) => {
      received += 1;
      status.textContent = "Following live: " + received + " change" + (received === 1 ? "" : "s") + " received (" + name + ").";
      refreshLatest();
      if (name === "thread.deleted") { stop(); status.textContent = "The thread was deleted."; }
    }));
    source.addEventListener("error", () => {
      if (source && source.readyState === EventSource.CLOSED) { stop(); status.textContent = "The live stream ended."; }
    });
  }

  function stop() {
    if (source) { source.close(); source = null; }
    follow.setAttribute("aria-pressed", "false");
    follow.textContent = "Follow live";
  }

  slider.addEventListener("input", () => {
    if (source) { stop(); status.textContent = "Stopped following: showing an earlier version."; }
    show(slider.value);
  });
  document.getElementById("slider-form").addEventListener("submit", (event) => {
    event.preventDefault();
    load(slider.value).catch(ignoreAborts);
  });
  if (!follow) return;  // a deleted thread: nothing to follow
  follow.addEventListener("click", () => {
    if (source) { stop(); status.textContent = "Stopped following."; } else { start(); }
  });
  if (follow.dataset.autostart === "yes") start();
})();
