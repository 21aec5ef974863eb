// Quick exit: leave for a neutral site and replace this page in the history, so the back
// button does not bring it back. Without JavaScript the button is a plain link.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("[data-quick-exit]");
  if (!link) return;
  event.preventDefault();
  document.body.style.visibility = "hidden";
  window.location.replace(link.href);
});
