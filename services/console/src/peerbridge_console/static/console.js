// The console's only script: live countdowns, the relayed case stream (refreshes the inbox through
// htmx and announces changes to screen readers), and an optional sound cue. No inline script (CSP).
(function () {
  "use strict";
  var announcer = document.getElementById("announcer");
  var liveState = document.getElementById("live-state");
  var sound = document.getElementById("sound-cue");
  // the page's language: messages handed over in a JSON block (labels.py), never inline script
  var messages = JSON.parse((document.getElementById("pb-messages") || {}).textContent || "{}");
  function say(key, values) {
    return (messages[key] || key).replace(/%\((\w+)\)s/g, function (_, name) { return values[name]; });
  }
  var names = ["case.opened", "case.escalated", "case.acknowledged", "case.resolved", "case.breached",
               "case.notified"];

  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function spell(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m >= 60 ? Math.floor(m / 60) + " h " + pad(m % 60) + " min" : m + ":" + pad(s);
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown[data-deadline]").forEach(function (el) {
      var left = Math.round((Date.parse(el.getAttribute("data-deadline")) - now) / 1000);
      el.classList.toggle("overdue", left < 0);
      el.textContent = left >= 0 ? say("left", { time: spell(left) }) : say("overdue", { time: spell(-left) });
    });
  }
  tick();
  setInterval(tick, 1000);

  if (sound) {
    sound.checked = localStorage.getItem("pb-sound") === "on";
    sound.addEventListener("change", function () { localStorage.setItem("pb-sound", sound.checked ? "on" : "off"); });
  }
  function beep() {
    if (!sound || !sound.checked || !window.AudioContext) return;
    var ctx = new AudioContext(), osc = ctx.createOscillator();
    osc.connect(ctx.destination); osc.frequency.value = 880; osc.start(); osc.stop(ctx.currentTime + 0.25);
  }
  function announce(text) {
    if (!announcer) return;
    announcer.textContent = "";
    setTimeout(function () { announcer.textContent = text; }, 50);
  }

  // questionnaires: an item asked only given an earlier answer is shown (and sent) only then
  function applySkipLogic(form) {
    form.querySelectorAll("fieldset[data-asked-if]").forEach(function (item) {
      var chosen = form.querySelector("input[name='" + item.dataset.askedIf + "']:checked");
      var controller = form.querySelector("fieldset#" + item.dataset.askedIf);
      var asked = !!chosen && chosen.value === item.dataset.equals && !(controller && controller.hidden);
      item.hidden = !asked;
      item.querySelectorAll("input, textarea").forEach(function (field) { field.disabled = !asked; });
    });
  }
  document.querySelectorAll("form[data-skip-logic]").forEach(function (form) {
    applySkipLogic(form);
    form.addEventListener("change", function () { applySkipLogic(form); });
  });

  if (!document.querySelector("[data-live-list]") || !window.EventSource) return;
  var source = new EventSource("/events");
  source.onopen = function () { if (liveState) liveState.textContent = say("live_on", {}); };
  source.onerror = function () { if (liveState) liveState.textContent = say("live_retry", {}); };
  names.forEach(function (name) {
    source.addEventListener(name, function (message) {
      var event = JSON.parse(message.data);
      document.body.dispatchEvent(new CustomEvent("pb:case-event"));
      if (name === "case.notified") return;
      var text = say("case_line", { what: say(name, {}), number: event.case_number,
                                    risk: messages["risk." + event.risk_level] || event.risk_level });
      if (name === "case.escalated") text += ", " + say("level", { level: event.data.to_level });
      announce(text);
      if (name === "case.opened" || name === "case.escalated") beep();
    });
  });
  source.addEventListener("reset", function () { document.body.dispatchEvent(new CustomEvent("pb:case-event")); });
  source.addEventListener("signed-out", function () { source.close(); window.location.assign("/login"); });
  document.body.addEventListener("htmx:afterSwap", tick);
})();
