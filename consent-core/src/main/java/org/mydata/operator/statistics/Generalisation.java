package org.mydata.operator.statistics;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.Period;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Optional;

/**
 * How a group column's values are coarsened before cells are formed. Every generalisation gives a string,
 * or null when the value is missing or cannot be read (a partial date for an age band).
 */
public enum Generalisation {
    /** Age in full years at the reference date, in 10-year bands, top-coded at 90 ("0-9" .. "80-89", "90+"). */
    AGE_BAND_10("ageBand10", true),
    /** The calendar year of a date or dateTime, as written in the resource ("2019"). */
    YEAR("year", true),
    /** The calendar month of a date or dateTime, as written in the resource ("2019-03"). */
    MONTH("month", true),
    /** A code (a string value) as it is. */
    CODE("code", false),
    /** Any value as it is: strings, booleans and numbers (in plain notation). */
    VALUE("value", false);

    /** Ages from this one up fall in one band, so the oldest persons do not stand out. */
    public static final int TOP_AGE = 90;

    private final String code;
    private final boolean temporal;

    Generalisation(String code, boolean temporal) {
        this.code = code;
        this.temporal = temporal;
    }

    /** The name a request uses. */
    public String code() {
        return code;
    }

    /** Whether the column must hold a date, dateTime or instant. */
    public boolean temporal() {
        return temporal;
    }

    public static Optional<Generalisation> of(String code) {
        return Arrays.stream(values()).filter(g -> g.code.equals(code)).findFirst();
    }

    /** The generalised value, or null. */
    public String apply(Object value, LocalDate referenceDate) {
        if (value == null) {
            return null;
        }
        return switch (this) {
            case AGE_BAND_10 -> ageBand(String.valueOf(value), referenceDate);
            case YEAR -> prefix(String.valueOf(value), 4);
            case MONTH -> prefix(String.valueOf(value), 7);
            case CODE, VALUE -> plain(value);
        };
    }

    /** A value as the engine compares and groups it: numbers in plain notation without trailing zeros. */
    public static String plain(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof BigDecimal number) {
            return number.signum() == 0 ? "0" : number.stripTrailingZeros().toPlainString();
        }
        return String.valueOf(value);
    }

    private static String prefix(String date, int length) {
        // FHIR dates are written year first ("2019", "2019-03", "2019-03-04T..."), so a prefix is the part
        return date.length() >= length && Character.isDigit(date.charAt(0)) ? date.substring(0, length) : null;
    }

    private static String ageBand(String birthDate, LocalDate referenceDate) {
        if (birthDate.length() < 10) {
            return null; // a year or month alone cannot place a person in a band without guessing
        }
        LocalDate born;
        try {
            born = LocalDate.parse(birthDate.substring(0, 10));
        } catch (DateTimeParseException e) {
            return null;
        }
        if (born.isAfter(referenceDate)) {
            return null;
        }
        int age = Period.between(born, referenceDate).getYears();
        if (age >= TOP_AGE) {
            return TOP_AGE + "+";
        }
        int low = age / 10 * 10;
        return low + "-" + (low + 9);
    }
}
