using Peko.Ledger.Api.Features.Migration;

namespace Peko.Ledger.Api.Tests.Migration;

/// <summary>Numbers and dates as POS exports write them (issue 8).</summary>
public sealed class SourceValueTests
{
    [Theory]
    [InlineData("1.250.000", 1_250_000)]
    [InlineData("1,250,000", 1_250_000)]
    [InlineData("1250000", 1_250_000)]
    [InlineData("1 250 000", 1_250_000)]
    [InlineData("1\u00A0250\u00A0000", 1_250_000)]
    [InlineData("1.250.000 ₫", 1_250_000)]
    [InlineData("1.250.000đ", 1_250_000)]
    [InlineData("VND 1,250", 1_250)]
    [InlineData("1.250", 1_250)]
    [InlineData("$1,250.50", 1_250.50)]
    [InlineData("1.250,50", 1_250.50)]
    [InlineData("1 250,50 kr", 1_250.50)]
    [InlineData("12,5", 12.5)]
    [InlineData("12.50", 12.5)]
    [InlineData("0,500", 0.5)]
    [InlineData("-120", -120)]
    [InlineData("(120)", -120)]
    [InlineData("-$12.00", -12)]
    [InlineData("0", 0)]
    public void Numbers_in_the_formats_exports_use_are_read(string raw, decimal expected)
    {
        Assert.Null(SourceNumbers.Parse(raw, out var value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("1.25.000")]
    [InlineData("12,34,567")]
    [InlineData("1.250.000,5,0")]
    [InlineData("mười nghìn")]
    [InlineData("12e5")]
    [InlineData("")]
    [InlineData("1..250")]
    public void Anything_that_fits_no_reading_is_refused_not_guessed(string raw) =>
        Assert.Contains("is not a number", SourceNumbers.Parse(raw, out _));

    [Theory]
    [InlineData("20/11/2026", DateOrder.DayFirst)]
    [InlineData("20-11-2026", DateOrder.DayFirst)]
    [InlineData("20.11.2026", DateOrder.DayFirst)]
    [InlineData("20/11/2026 14:30", DateOrder.DayFirst)]
    [InlineData("20/11/2026 14:30:59", DateOrder.DayFirst)]
    [InlineData("2026-11-20", DateOrder.DayFirst)]
    [InlineData("2026/11/20", DateOrder.MonthFirst)]
    [InlineData("2026-11-20 08:15:00", DateOrder.DayFirst)]
    [InlineData("2026-11-20T14:30:00+07:00", DateOrder.DayFirst)]
    [InlineData("2026-11-20T07:30:00.123Z", DateOrder.MonthFirst)]
    [InlineData("11/20/2026", DateOrder.MonthFirst)]
    [InlineData("11/20/2026 2:30 PM", DateOrder.MonthFirst)]
    public void Dates_with_or_without_a_time_are_read_the_preset_way_round(string raw, DateOrder order)
    {
        Assert.Null(SourceDates.Parse(raw, order, out var date));
        Assert.Equal(new DateOnly(2026, 11, 20), date);
    }

    [Theory]
    [InlineData("20/11/26", "four digits")]
    [InlineData("31/02/2026", "not a date")]
    [InlineData("11/20/2026", "not a date")] // day-first: there is no month 20
    [InlineData("next Tuesday", "not a date")]
    public void Dates_that_are_ambiguous_or_impossible_are_refused(string raw, string reason) =>
        Assert.Contains(reason, SourceDates.Parse(raw, DateOrder.DayFirst, out _));
}
