/* Zabota workspace: small behaviours htmx does not cover. No dependencies. */
(function () {
  "use strict";
  // Success and error messages fade after a while so the flash area does not pile up.
  document.addEventListener("htmx:afterSwap", function (evt) {
    var target = evt.detail.target;
    if (target && target.id === "flash") {
      var alert = target.querySelector(".alert-success");
      if (alert) { setTimeout(function () { alert.remove(); }, 4000); }
    }
  });
  // Keep the newest message in view after the thread is replaced.
  function scrollThread() {
    var thread = document.getElementById("thread");
    if (thread) { thread.scrollTop = thread.scrollHeight; }
  }
  document.addEventListener("DOMContentLoaded", scrollThread);
  document.addEventListener("htmx:oobAfterSwap", function (evt) {
    if (evt.detail.target && evt.detail.target.id === "thread") { scrollThread(); }
  });
  // Ctrl/⌘+Enter in the reply box sends the reply.
  document.addEventListener("keydown", function (evt) {
    if (evt.key === "Enter" && (evt.ctrlKey || evt.metaKey) && evt.target.id === "reply-text") {
      var primary = document.querySelector("#reply-form .btn-primary");
      if (primary) { evt.preventDefault(); primary.click(); }
    }
  });
})();
/* Received emails: remote images stay blocked until the agent asks for them (no referrer sent). */
document.addEventListener("click", function (evt) {
  "use strict";
  var button = evt.target.closest ? evt.target.closest("[data-show-images]") : null;
  if (!button) { return; }
  var original = button.closest(".email-original");
  if (!original) { return; }
  original.querySelectorAll("img[data-remote-src]").forEach(function (img) {
    img.referrerPolicy = "no-referrer";
    img.src = img.getAttribute("data-remote-src");
    img.removeAttribute("data-remote-src");
  });
  button.disabled = true;
});
