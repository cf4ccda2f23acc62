/* 站内搜索页的脚本：在 search/index.js 生成的索引（window.JNXCZ_SEARCH）里找，在本页列出结果。
   不向任何地方发请求，不用 WebAssembly：从 U 盘打开（file://）和在网站安全策略下都能用。
   索引按相邻两个字（二元组）记下每页有哪些字对；一个词先由它的字对找出候选页面，再在页面文字里
   确认整个词都在。查询和索引的文字都做同样的转换（campaign/render/search.py 的 fold）：
   全角字母、数字、符号当半角（「５月１５日」即「5月15日」），英文字母不分大小写；一个字换一个字，
   所以在转换后的文字里找到的位置，就是原文里要标出的位置。 */
(function () {
  "use strict";

  var LIMIT = 50; // 一次列出的结果数
  var SNIPPET = 110; // 摘要的字数
  var BEFORE = 30; // 摘要里命中处之前留的字数

  var data = window.JNXCZ_SEARCH;
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  if (!form || !input || !status || !list) {
    return;
  }
  if (!data) {
    status.textContent = "站内搜索暂时不能使用：没有读到搜索索引。请从上方的栏目菜单查找内容。";
    return;
  }
  var pages = data.pages;
  var grams = data.grams;
  var lowered = []; // 每页规范化后的全部文字，用到时才算

  var FULL = /[\uFF01-\uFF5E\u3000]/;
  var UPPER = /[A-Z]/;

  function fold(text) {
    if (FULL.test(text)) {
      text = text.replace(/[\uFF01-\uFF5E\u3000]/g, function (c) {
        var code = c.charCodeAt(0);
        return String.fromCharCode(code === 0x3000 ? 0x20 : code - 0xFEE0);
      });
    }
    // A-Z 一段一段换成小写：只动英文字母，字数不变（toLowerCase 对个别外文字母会多出字来）
    return UPPER.test(text) ? text.replace(/[A-Z]+/g, function (run) { return run.toLowerCase(); }) : text;
  }

  function normalise(text) {
    return fold(text.replace(/\s+/g, " ").trim());
  }

  function haystack(number) {
    if (lowered[number] === undefined) {
      var page = pages[number];
      lowered[number] = normalise(page[1]) + " " + normalise(page[3]) + " " + fold(page[4]);
    }
    return lowered[number];
  }

  function termsOf(query) {
    var seen = {};
    return normalise(query).split(" ").filter(function (term) {
      if (!term || seen[term]) {
        return false;
      }
      seen[term] = true;
      return true;
    });
  }

  function posting(gram) {
    if (!Object.prototype.hasOwnProperty.call(grams, gram)) {
      return [];
    }
    var number = 0;
    return grams[gram].split(",").map(function (delta) {
      number += parseInt(delta, 36);
      return number;
    });
  }

  // 含有这个词全部字对的页面（单个字的词：全部页面，留给下一步逐页确认）
  function candidates(term) {
    var chars = Array.from(term);
    if (chars.length < 2) {
      return null;
    }
    var found = null;
    for (var i = 0; i + 1 < chars.length; i++) {
      var numbers = posting(chars[i] + chars[i + 1]);
      if (found === null) {
        found = numbers;
      } else {
        var keep = {};
        numbers.forEach(function (n) { keep[n] = true; });
        found = found.filter(function (n) { return keep[n]; });
      }
      if (!found.length) {
        break;
      }
    }
    return found;
  }

  function count(text, term) {
    var n = 0;
    for (var at = text.indexOf(term); at !== -1 && n < 20; at = text.indexOf(term, at + term.length)) {
      n++;
    }
    return n;
  }

  function search(terms) {
    var pool = null;
    terms.forEach(function (term) {
      var found = candidates(term);
      if (found === null) {
        return;
      }
      if (pool === null) {
        pool = found;
      } else {
        var keep = {};
        found.forEach(function (n) { keep[n] = true; });
        pool = pool.filter(function (n) { return keep[n]; });
      }
    });
    if (pool === null) {
      pool = pages.map(function (page, number) { return number; });
    }
    var results = [];
    pool.forEach(function (number) {
      var text = haystack(number);
      if (!terms.every(function (term) { return text.indexOf(term) !== -1; })) {
        return;
      }
      var title = normalise(pages[number][1]);
      var inTitle = terms.filter(function (term) { return title.indexOf(term) !== -1; }).length;
      var hits = terms.reduce(function (sum, term) { return sum + count(text, term); }, 0);
      // 标题里有的在前；其次是这些词在页面文字里所占的分量（一页专讲的比顺带提到的靠前）
      results.push({ number: number, inTitle: inTitle, weight: hits / (text.length + 200) });
    });
    results.sort(function (a, b) {
      return b.inTitle - a.inTitle || b.weight - a.weight || a.number - b.number;
    });
    return results;
  }

  // 把 text 放进 parent，其中 terms 出现的地方用 <mark> 标出
  function marked(parent, text, terms) {
    var low = fold(text);
    var at = 0;
    while (at < text.length) {
      var next = -1;
      var length = 0;
      terms.forEach(function (term) {
        var found = low.indexOf(term, at);
        if (found !== -1 && (next === -1 || found < next || (found === next && term.length > length))) {
          next = found;
          length = term.length;
        }
      });
      if (next === -1) {
        break;
      }
      parent.appendChild(document.createTextNode(text.slice(at, next)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(next, next + length);
      parent.appendChild(mark);
      at = next + length;
    }
    parent.appendChild(document.createTextNode(text.slice(at)));
  }

  function snippet(text, terms) {
    var low = fold(text);
    var first = -1;
    terms.forEach(function (term) {
      var found = low.indexOf(term);
      if (found !== -1 && (first === -1 || found < first)) {
        first = found;
      }
    });
    var start = first > BEFORE ? first - BEFORE : 0;
    var end = Math.min(text.length, start + SNIPPET);
    return (start > 0 ? "…" : "") + text.slice(start, end) + (end < text.length ? "…" : "");
  }

  function show(query) {
    var terms = termsOf(query);
    list.textContent = "";
    if (!terms.length) {
      list.hidden = true;
      status.textContent = "请在上面输入要找的内容。";
      return;
    }
    var results = search(terms);
    var shown = query.trim();
    if (!results.length) {
      list.hidden = true;
      status.textContent =
        "没有找到与「" + shown + "」有关的内容。请检查有没有错别字，或换一个更短的词再试，例如「直播」「倡议」。";
      return;
    }
    results.slice(0, LIMIT).forEach(function (result) {
      var page = pages[result.number];
      var item = document.createElement("li");
      var heading = document.createElement("h2");
      var link = document.createElement("a");
      link.href = page[0];
      marked(link, page[1], terms);
      heading.appendChild(link);
      item.appendChild(heading);
      var meta = document.createElement("p");
      meta.className = "search-meta";
      meta.textContent = [page[2], page[3]].filter(Boolean).join(" · ");
      item.appendChild(meta);
      if (page[4]) {
        var text = document.createElement("p");
        text.className = "search-snippet";
        marked(text, snippet(page[4], terms), terms);
        item.appendChild(text);
      }
      list.appendChild(item);
    });
    list.hidden = false;
    status.textContent =
      "找到 " + results.length + " 个与「" + shown + "」有关的页面" +
      (results.length > LIMIT ? "，下面列出最相关的前 " + LIMIT + " 个；加一个词可以缩小范围。" : "。");
  }

  function remember(query) {
    try {
      var address = new URL(window.location.href);
      address.searchParams.set("q", query);
      window.history.replaceState(null, "", address.href);
    } catch (e) {
      // 有的浏览器从磁盘打开时不许改地址：结果照样显示
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    show(input.value);
    remember(input.value);
  });
  input.addEventListener("input", function (event) {
    if (!event.isComposing) {
      show(input.value);
    }
  });
  input.addEventListener("compositionend", function () {
    show(input.value);
  });

  var asked = new URLSearchParams(window.location.search).get("q");
  if (asked) {
    input.value = asked;
    show(asked);
  } else {
    status.textContent = "请在上面输入要找的内容。";
  }
})();
