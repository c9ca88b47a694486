/* The panel's forms in Russian habits (issue 14.5). Flask-Admin vendors the widgets; this
   only configures them:
   - its date picker (bootstrap-daterangepicker 1.3.22, MIT) in Russian, Monday first, dates
     as ДД.ММ.ГГГГ (moment.js, MIT, ships there without its ru locale, so the names are
     given here); Flask-Admin's form.js and filter scripts hard-code ISO formats, which are
     mapped on the way in;
   - its select2 pickers (3.5.2, Apache-2.0) with Russian messages.
   Loaded after jQuery and select2, before daterangepicker.js: the picker is wrapped on
   DOM ready, before form.js (whose ready handler is registered later) applies it. */
(function ($) {
  "use strict";

  var FORMATS = {
    "YYYY-MM-DD": "DD.MM.YYYY",
    "YYYY-MM-DD HH:mm:ss": "DD.MM.YYYY HH:mm"
  };
  var LOCALE = {
    applyLabel: "Применить",
    cancelLabel: "Отмена",
    fromLabel: "С",
    toLabel: "По",
    weekLabel: "Нед",
    customRangeLabel: "Другой период",
    daysOfWeek: ["Вс", "Пн", "Вт", "Ср", "Чт", "Пт", "Сб"],  // Sunday first, as moment counts
    monthNames: ["Январь", "Февраль", "Март", "Апрель", "Май", "Июнь", "Июль", "Август",
                 "Сентябрь", "Октябрь", "Ноябрь", "Декабрь"],
    firstDay: 1
  };

  function russian(options) {
    var own = $.extend({}, options);
    own.format = FORMATS[own.format] || own.format || "DD.MM.YYYY";
    if (own.separator) {
      own.separator = " — ";  // admin.dates reads it (and Flask-Admin's " to ")
    }
    own.locale = $.extend({}, LOCALE, own.locale);
    return own;
  }

  // Whether the field holds whole dates in the picker's format: only then does typing move
  // the picker. The picker itself re-reads the field on every key and writes its reading
  // back, so «1» became «01.12.2026» before the rest of «12.05.2014» was typed.
  function typedInFull(picker, text) {
    var parts = picker.singleDatePicker ? [text] : text.split(picker.separator);
    return parts.length === (picker.singleDatePicker ? 1 : 2) && parts.every(function (part) {
      return moment(part, picker.format, true).isValid();
    });
  }

  function readOnlyWholeDates($fields) {
    $fields.each(function () {
      var $field = $(this), picker = $field.data("daterangepicker");
      if (!picker) {
        return;
      }
      $field.off("keyup.daterangepicker").on("keyup.daterangepicker", function () {
        if (typedInFull(picker, $field.val())) {
          picker.updateFromControl();
        }
      });
    });
  }

  function wrapPicker() {
    var original = $.fn.daterangepicker;
    if (!original || original.russian) {
      return;
    }
    var wrapped = function (options, callback) {
      var result = original.call(this, russian(options), callback);
      readOnlyWholeDates(this);
      return result;
    };
    wrapped.russian = true;
    $.fn.daterangepicker = wrapped;
  }

  if ($.fn.select2) {
    $.extend($.fn.select2.defaults, {
      formatNoMatches: function () { return "Ничего не найдено"; },
      formatSearching: function () { return "Поиск…"; },
      formatInputTooShort: function (input, min) {
        return "Введите ещё символов: " + (min - input.length);
      },
      formatLoadMore: function () { return "Загрузка…"; },
      formatSelectionTooBig: function (limit) { return "Можно выбрать не больше: " + limit; }
    });
  }

  $(wrapPicker);
})(jQuery);
