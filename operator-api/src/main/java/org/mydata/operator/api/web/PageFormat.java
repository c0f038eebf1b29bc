package org.mydata.operator.api.web;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.FormatStyle;
import java.util.Locale;
import org.springframework.context.i18n.LocaleContextHolder;
import org.springframework.stereotype.Component;

/**
 * Dates and times as the pages show them, in the reader's language. Times are shown in UTC and say so:
 * the pages run no script that could learn the reader's time zone, and the signed records use UTC too.
 */
@Component("pageFormat")
public class PageFormat {

    public String time(Instant instant) {
        if (instant == null) {
            return "";
        }
        return DateTimeFormatter.ofLocalizedDateTime(FormatStyle.MEDIUM, FormatStyle.SHORT).withLocale(locale())
                .withZone(ZoneOffset.UTC).format(instant) + " UTC";
    }

    /** A machine-readable timestamp for {@code <time datetime>}. */
    public String iso(Instant instant) {
        return instant == null ? "" : DateTimeFormatter.ISO_INSTANT.format(instant);
    }

    private static Locale locale() {
        return LocaleContextHolder.getLocale();
    }
}
