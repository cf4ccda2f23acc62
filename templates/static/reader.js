/* 适老化与无障碍：大字模式（记住选择）和朗读本页（使用浏览器自带的语音合成，不连接任何第三方服务）。
   本文件在 <head> 中、紧跟样式表之后同步加载，先于页面绘制应用大字模式，避免页面闪动。 */
(function () {
  "use strict";
  var KEY = "jnxcz-large-text";
  var root = document.documentElement;

  function stored() {
    try { return window.localStorage.getItem(KEY) === "1"; } catch (e) { return false; }
  }
  function store(on) {
    try { window.localStorage.setItem(KEY, on ? "1" : "0"); } catch (e) { /* 隐私模式下无法保存 */ }
  }
  function largeSheet() {
    return document.querySelector('link[title="大字模式"]');
  }
  function setSheet(on) {
    /* 大字模式的样式只写在 large.css 一处：这里把这份“备用样式表”打开或关上 */
    var sheet = largeSheet();
    if (sheet) { sheet.rel = on ? "stylesheet" : "alternate stylesheet"; }
    root.classList.toggle("large-text", on);
  }
  function apply(on) {
    setSheet(on);
    var button = document.getElementById("large-text-toggle");
    if (button) {
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.textContent = on ? "退出大字模式" : "大字模式";
    }
  }
  if (/(^|[?&])mode=large(&|$)/.test(window.location.search)) { store(true); }
  setSheet(stored());

  function mainText() {
    var main = document.getElementById("main");
    return main ? main.innerText.replace(/\s+/g, " ").trim() : "";
  }

  function setUpReading() {
    var read = document.getElementById("read-aloud");
    var pause = document.getElementById("read-pause");
    var stop = document.getElementById("read-stop");
    if (!read || !("speechSynthesis" in window) || typeof window.SpeechSynthesisUtterance !== "function") {
      return; /* 浏览器不支持朗读时，按钮保持隐藏 */
    }
    var synth = window.speechSynthesis;
    var voice = null;
    /* 只有浏览器带中文语音时才显示「朗读本页」：没有中文语音的浏览器按下去不会出声。
       语音列表可能稍后才加载好，加载好时再看一次。 */
    function findVoice() {
      var voices = typeof synth.getVoices === "function" ? synth.getVoices() : [];
      for (var i = 0; i < voices.length; i++) {
        if (/^zh([-_]|$)/i.test(voices[i].lang || "")) { return voices[i]; }
      }
      return null;
    }
    function offer() {
      voice = findVoice();
      read.hidden = !voice;
      if (!voice) { pause.hidden = true; stop.hidden = true; }
    }
    offer();
    if (typeof synth.addEventListener === "function") { synth.addEventListener("voiceschanged", offer); }
    function reading(on) {
      pause.hidden = !on;
      stop.hidden = !on;
      read.setAttribute("aria-pressed", on ? "true" : "false");
    }
    read.addEventListener("click", function () {
      synth.cancel();
      var utterance = new window.SpeechSynthesisUtterance(mainText());
      utterance.lang = "zh-CN";
      utterance.voice = voice;
      utterance.rate = 0.9;
      utterance.onend = function () { reading(false); };
      utterance.onerror = function () { reading(false); };
      synth.speak(utterance);
      pause.textContent = "暂停";
      reading(true);
    });
    pause.addEventListener("click", function () {
      if (synth.paused) { synth.resume(); pause.textContent = "暂停"; }
      else { synth.pause(); pause.textContent = "继续"; }
    });
    stop.addEventListener("click", function () { synth.cancel(); reading(false); read.focus(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.getElementById("large-text-toggle");
    if (toggle) {
      toggle.hidden = false;
      apply(stored());
      toggle.addEventListener("click", function () {
        var on = !root.classList.contains("large-text");  /* 以页面当前状态为准 */
        store(on);
        apply(on);
      });
    }
    setUpReading();
  });
})();
