/* 日程状态：页面生成时已按当时写好；这里按读者手机的时钟随时更新（时间均按北京时间计算）。 */
(function () {
  "use strict";
  var LABELS = { upcoming: "未开始", today: "今天", live: "正在进行", ended: "已结束" };
  var HOUR = 3600000;

  function beijingDay(ms) {
    return new Date(ms + 8 * HOUR).toISOString().slice(0, 10);
  }

  function statusAt(now, el) {
    var start = Date.parse(el.getAttribute("data-start"));
    var end = Date.parse(el.getAttribute("data-end"));
    if (now >= end) { return "ended"; }
    if (now >= start && el.getAttribute("data-allday") !== "1") { return "live"; }
    var today = beijingDay(now);
    if (beijingDay(start) <= today && today <= beijingDay(end - 1)) { return "today"; }
    return "upcoming";
  }

  function update() {
    var now = Date.now();
    var events = document.querySelectorAll("[data-start][data-end]");
    for (var i = 0; i < events.length; i++) {
      var state = statusAt(now, events[i]);
      var badge = events[i].querySelector(".status");
      if (badge && badge.getAttribute("data-status") !== state) {
        badge.setAttribute("data-status", state);
        badge.className = "status status-" + state;
        badge.textContent = LABELS[state];
      }
    }
  }

  update();
  window.setInterval(update, 30000);
  document.addEventListener("visibilitychange", update);
})();
