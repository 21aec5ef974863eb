// Staff pages work without this; it only adds "select all" to the queue's bulk assignment.
document.addEventListener("DOMContentLoaded", function () {
  var all = document.querySelector("[data-select-all]");
  if (!all) return;
  all.addEventListener("change", function () {
    document.querySelectorAll("input[name=complaint]").forEach(function (box) { box.checked = all.checked; });
  });
});
