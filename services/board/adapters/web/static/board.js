// Keeps every countdown ticking between refreshes (`data-due` is the deadline, ISO 8601), and the wall's clock.
(function () {
  function text(seconds) {
    var late = seconds < 0;
    seconds = Math.abs(seconds);
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return (late ? "超时 " : "剩余 ") + (h ? h + ":" + pad(m) : m) + ":" + pad(s);
  }
  var wallTime = { timeZone: "Asia/Shanghai", hour12: false, year: "numeric", month: "2-digit", day: "2-digit",
                   hour: "2-digit", minute: "2-digit", second: "2-digit" };
  function tick() {
    var now = Date.now();
    var wall = document.getElementById("wall-clock");
    if (wall) { wall.textContent = new Date(now).toLocaleString("zh-CN", wallTime); }
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var seconds = Math.floor((Date.parse(el.dataset.due) - now) / 1000);
      el.textContent = text(seconds);
      el.classList.toggle("red", seconds < 0);
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
})();
