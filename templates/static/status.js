/* 日程状态和首页的「现在」：页面生成时已按当时写好（没有脚本时照此显示）；
   这里按读者手机的时钟随时更新，无论手机设在哪个时区，一律按北京时间计算。 */
(function () {
  "use strict";
  var LABELS = { upcoming: "未开始", today: "今天", live: "正在进行", ended: "已结束" };
  var WEEKDAYS = "日一二三四五六";
  var HOUR = 3600000;
  var NEXT_COUNT = 3;

  function beijing(ms) {
    return new Date(ms + 8 * HOUR); /* read with getUTC*: the wall clock in Beijing */
  }

  function beijingDay(ms) {
    return beijing(ms).toISOString().slice(0, 10);
  }

  function cnDate(ms) {
    var d = beijing(ms);
    return d.getUTCFullYear() + "年" + (d.getUTCMonth() + 1) + "月" + d.getUTCDate() + "日 星期" +
      WEEKDAYS.charAt(d.getUTCDay());
  }

  function cnClock(ms) {
    var d = beijing(ms);
    var h = d.getUTCHours(), m = d.getUTCMinutes();
    return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m;
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

  function show(el, visible) {
    if (el) { el.hidden = !visible; }
  }

  function updateBadges(now) {
    var events = document.querySelectorAll("[data-start][data-end]");
    var states = {};
    for (var i = 0; i < events.length; i++) {
      var state = statusAt(now, events[i]);
      states[events[i].getAttribute("data-event")] = state;
      var badge = events[i].querySelector(".status");
      if (badge && badge.getAttribute("data-status") !== state) {
        badge.setAttribute("data-status", state);
        badge.className = "status status-" + state;
        badge.textContent = LABELS[state];
      }
    }
    return states;
  }

  /* 首页「现在」：宣传周前「即将开始」，宣传周中「今天」和「接下来」，宣传周后「活动回顾」。 */
  function updateNow(now, states) {
    var section = document.querySelector("section.now[data-first]");
    /* 日期还没填写（data-first 为空）：保持生成时的内容。 */
    if (!section || !section.getAttribute("data-first") || !section.getAttribute("data-last")) { return; }
    var today = beijingDay(now);
    var phase = today < section.getAttribute("data-first") ? "before" :
      today > section.getAttribute("data-last") ? "after" : "during";
    var heading = section.querySelector("[data-now-heading]");
    heading.textContent = phase === "after" ? "活动回顾" : phase === "during" ? "今天的活动" : "即将开始";
    var current = 0, next = 0;
    var lists = { current: null, next: null, done: null };
    for (var name in lists) {
      lists[name] = section.querySelector('[data-now-list="' + name + '"]');
    }
    var items = lists.current.querySelectorAll("[data-event]");
    for (var i = 0; i < items.length; i++) {
      var state = states[items[i].getAttribute("data-event")];
      var isCurrent = phase === "during" && (state === "live" || state === "today");
      show(items[i], isCurrent);
      if (isCurrent) { current++; }
    }
    items = lists.next.querySelectorAll("[data-event]");
    for (i = 0; i < items.length; i++) {
      var isNext = phase !== "after" && states[items[i].getAttribute("data-event")] === "upcoming" &&
        next < NEXT_COUNT;
      show(items[i], isNext);
      if (isNext) { next++; }
    }
    items = lists.done.querySelectorAll("[data-event]");
    for (i = 0; i < items.length; i++) {
      show(items[i], states[items[i].getAttribute("data-event")] === "ended");
    }
    show(lists.current, phase === "during");
    show(lists.next, phase !== "after");
    show(lists.done, phase === "after");
    show(section.querySelector('[data-now="after"]'), phase === "after");
    show(section.querySelector('[data-now="during-none"]'), phase === "during" && current === 0);
    show(section.querySelector('[data-now="during-next"]'), phase === "during" && next > 0);
    section.querySelector("[data-now-clock]").textContent =
      "按本机时间显示：" + cnDate(now) + " " + cnClock(now) + "（北京时间）";
  }

  /* 首页开头「今天：5月15日 星期三 · 全国低碳日 …」：每天一行已写在页面里，只显示读者当天的一行。 */
  function updateToday(now) {
    var box = document.querySelector(".today[data-first]");
    if (!box) { return; }
    var today = beijingDay(now);
    var key = today < box.getAttribute("data-first") ? "before" :
      today > box.getAttribute("data-last") ? "after" : today;
    var lines = box.querySelectorAll("[data-today-line]");
    for (var i = 0; i < lines.length; i++) {
      show(lines[i], lines[i].getAttribute("data-today-line") === key);
    }
  }

  /* 日程页：标出读者所在的「今天」。 */
  function updateDays(now) {
    var today = beijingDay(now);
    var days = document.querySelectorAll("[data-day]");
    for (var i = 0; i < days.length; i++) {
      var isToday = days[i].getAttribute("data-day") === today;
      days[i].classList.toggle("is-today", isToday);
      show(days[i].querySelector(".today-mark"), isToday);
    }
  }

  /* 按日期切换的说明，如网址「将于某日公布」到了那天变为「应于某日公布，本站正在更新」；
     日期还没填写（属性为空）的保持生成时的样子。 */
  function updateDated(now) {
    var today = beijingDay(now);
    var from = document.querySelectorAll("[data-from]");
    for (var i = 0; i < from.length; i++) {
      if (from[i].getAttribute("data-from")) { show(from[i], today >= from[i].getAttribute("data-from")); }
    }
    var until = document.querySelectorAll("[data-until]");
    for (i = 0; i < until.length; i++) {
      if (until[i].getAttribute("data-until")) { show(until[i], today < until[i].getAttribute("data-until")); }
    }
  }

  function update() {
    var now = Date.now();
    var states = updateBadges(now);
    updateNow(now, states);
    updateToday(now);
    updateDays(now);
    updateDated(now);
  }

  update();
  window.setInterval(update, 30000);
  document.addEventListener("visibilitychange", update);
})();
