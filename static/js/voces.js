// Voces works without JavaScript; this only makes two things better where it runs.

// Quick exit: leave for a neutral site and replace this page in the history, so the back button
// does not bring it back. Without JavaScript the button is a plain link.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("[data-quick-exit]");
  if (link) {
    event.preventDefault();
    document.body.style.visibility = "hidden";
    window.location.replace(link.href);
    return;
  }
  var print = event.target.closest && event.target.closest("[data-print]");
  if (print) {
    event.preventDefault();
    window.print();
  }
});

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (el) { el.hidden = false; });
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
});
