package org.mydata.operator.api.web;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.Locale;
import org.mydata.operator.api.config.OperatorProperties;
import org.springframework.context.MessageSource;
import org.springframework.context.i18n.LocaleContextHolder;
import org.springframework.stereotype.Component;

/**
 * Dates and times as the pages show them: in the operator's time zone ({@code operator.pages.time-zone},
 * Europe/Helsinki by default; the pages run no script that could learn the reader's own), on a 24-hour
 * clock, in the patterns of the reader's language ({@code format.*} in the message bundle: 4.7.2025 klo
 * 16.05, 4.7.2025 kl. 16.05, 4 Jul 2025, 16:05). The signed records keep UTC; only the display converts.
 */
@Component("pageFormat")
public class PageFormat {
    private final ZoneId zone;
    private final MessageSource messages;

    public PageFormat(OperatorProperties properties, MessageSource messages) {
        this.zone = properties.pages().timeZone();
        this.messages = messages;
    }

    public ZoneId zone() {
        return zone;
    }

    public String time(Instant instant) {
        return instant == null ? "" : pattern("format.dateTime").format(instant.atZone(zone));
    }

    public String date(LocalDate day) {
        return day == null ? "" : pattern("format.date").format(day);
    }

    /**
     * When a consent ends. An end the person chose is the end of a day in the pages' zone (the next midnight),
     * shown as that day, "up to and including"; any other end (one given through the API) as its time.
     */
    public String until(Instant end) {
        if (end == null) {
            return "";
        }
        ZonedDateTime local = end.atZone(zone);
        if (local.toLocalTime().equals(java.time.LocalTime.MIDNIGHT)) {
            return messages.getMessage("format.throughDay", new Object[] {date(local.toLocalDate().minusDays(1))},
                    locale());
        }
        return time(end);
    }

    /** The zone in words, in the reader's language (Itä-Euroopan aika, östeuropeisk tid). */
    public String zoneName() {
        return zone.getDisplayName(TextStyle.FULL, locale());
    }

    /** A machine-readable timestamp for {@code <time datetime>}. */
    public String iso(Instant instant) {
        return instant == null ? "" : DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(instant.atZone(zone));
    }

    private DateTimeFormatter pattern(String key) {
        return DateTimeFormatter.ofPattern(messages.getMessage(key, null, locale()), locale());
    }

    private static Locale locale() {
        return LocaleContextHolder.getLocale();
    }
}
