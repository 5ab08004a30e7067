using Peko.Ledger.Domain.Guests;

namespace Peko.Ledger.Domain.Tests;

public class GuestIdentifierTests
{
    [Theory]
    [InlineData("0903123482")]
    [InlineData("+84 903 123 482")]
    [InlineData("84-903-123-482")]
    [InlineData("(090) 3123482")]
    [InlineData("84903123482")]
    [InlineData("0084903123482")]
    [InlineData("  090.312.3482 ")]
    [InlineData("+84 (0)903 123 482")]
    [InlineData("903123482")]
    public void Vietnamese_mobile_written_any_way_is_one_E164_number(string raw) =>
        Assert.Equal(new GuestIdentifier(IdentifierKind.Phone, "+84903123482"), GuestIdentifier.Phone(raw, "VN"));

    [Theory]
    [InlineData("0162 345 6789", "+84323456789")]
    [InlineData("0163 345 6789", "+84333456789")]
    [InlineData("0164 345 6789", "+84343456789")]
    [InlineData("0165 345 6789", "+84353456789")]
    [InlineData("0166 345 6789", "+84363456789")]
    [InlineData("0167 345 6789", "+84373456789")]
    [InlineData("0168 345 6789", "+84383456789")]
    [InlineData("0169 345 6789", "+84393456789")]
    [InlineData("0120 345 6789", "+84703456789")]
    [InlineData("0121 345 6789", "+84793456789")]
    [InlineData("0122 345 6789", "+84773456789")]
    [InlineData("0126 345 6789", "+84763456789")]
    [InlineData("0128 345 6789", "+84783456789")]
    [InlineData("0123 345 6789", "+84833456789")]
    [InlineData("0124 345 6789", "+84843456789")]
    [InlineData("0125 345 6789", "+84853456789")]
    [InlineData("0127 345 6789", "+84813456789")]
    [InlineData("0129 345 6789", "+84823456789")]
    [InlineData("0186 345 6789", "+84563456789")]
    [InlineData("0188 345 6789", "+84583456789")]
    [InlineData("0199 345 6789", "+84593456789")]
    [InlineData("01623 456 789", "+84323456789")]
    [InlineData("+84 162 345 6789", "+84323456789")]
    [InlineData("84162 345 6789", "+84323456789")]
    [InlineData("0084 121 345 6789", "+84793456789")]
    [InlineData("+84 129 345 6789", "+84823456789")]
    [InlineData("+84 199 345 6789", "+84593456789")]
    public void Old_eleven_digit_Vietnamese_mobile_becomes_its_renumbered_ten_digit_form(string raw, string e164) =>
        Assert.Equal(e164, GuestIdentifier.Phone(raw, "VN").Value);

    [Theory]
    [InlineData("024 3825 1234", "+842438251234")]
    [InlineData("028 3822 1234", "+842838221234")]
    [InlineData("0236 382 1234", "+842363821234")]
    public void Vietnamese_landline_with_area_code_is_accepted(string raw, string e164) =>
        Assert.Equal(e164, GuestIdentifier.Phone(raw, "VN").Value);

    [Theory]
    [InlineData("070-123 45 67", "+46701234567")]
    [InlineData("+46 70 123 45 67", "+46701234567")]
    [InlineData("0046701234567", "+46701234567")]
    [InlineData("08-123 456 78", "+46812345678")]
    public void Swedish_number_for_a_Swedish_chain_is_one_E164_number(string raw, string e164) =>
        Assert.Equal(e164, GuestIdentifier.Phone(raw, "SE").Value);

    [Theory]
    [InlineData("+84 903 123 482", "SE", "+84903123482")]
    [InlineData("0046 70 123 45 67", "VN", "+46701234567")]
    [InlineData("(415) 555-2671", "US", "+14155552671")]
    [InlineData("011 84 903 123 482", "US", "+84903123482")]
    [InlineData("020 7946 0958", "GB", "+442079460958")]
    [InlineData("9123 4567", "SG", "+6591234567")]
    [InlineData("+971 50 123 4567", "VN", "+971501234567")]
    [InlineData("+84 903 123 482", "XX", "+84903123482")]
    public void Number_with_a_country_code_follows_that_country_whatever_the_chain_region(
        string raw, string region, string e164) =>
        Assert.Equal(e164, GuestIdentifier.Phone(raw, region).Value);

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("090 312 ABC", "letters")]
    [InlineData("12345", "too short")]
    [InlineData("+84 123", "too short")]
    [InlineData("0000000000", "country code, which cannot start with 0")]
    [InlineData("0903 123 482 999", "too long")]
    [InlineData("0603 123 482", "start with 02")]
    [InlineData("0130 345 6789", "2018 renumbering")]
    [InlineData("090+3123482", "not at the start")]
    [InlineData("0903#123482", "'#'")]
    [InlineData("+999 1234", "8 to 15 digits")]
    [InlineData("+99 1234 5678 9012 345", "8 to 15 digits")]
    public void Junk_phone_number_is_rejected_saying_what_is_wrong(string raw, string reason)
    {
        var rejected = Assert.Throws<InvalidInput>(() => GuestIdentifier.Phone(raw, "VN"));
        Assert.Equal("phone", rejected.Field);
        Assert.Contains(reason, rejected.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("070 123 45 6", "SE")]
    [InlineData("08-12", "SE")]
    [InlineData("(115) 555-2671", "US")]
    public void Number_that_breaks_its_country_rules_is_rejected(string raw, string region) =>
        Assert.False(GuestIdentifier.TryPhone(raw, region, out _, out _));

    [Fact]
    public void National_number_for_an_unknown_region_is_rejected_but_an_international_one_is_not()
    {
        var rejected = Assert.Throws<InvalidInput>(() => GuestIdentifier.Phone("0903123482", "XX"));
        Assert.Contains("'XX'", rejected.Message, StringComparison.Ordinal);
        Assert.True(GuestIdentifier.TryPhone("+84903123482", "XX", out _, out _));
    }

    [Fact]
    public void Rejection_message_does_not_repeat_the_number()
    {
        Assert.False(GuestIdentifier.TryPhone("0903 123 482 999", "VN", out var id, out var error));
        Assert.Null(id);
        Assert.DoesNotContain("903", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("  Lan.Nguyen@Example.COM ", "lan.nguyen@example.com")]
    [InlineData("lan+loyalty@mail.example.vn", "lan+loyalty@mail.example.vn")]
    public void Email_is_trimmed_and_lower_cased(string raw, string email) =>
        Assert.Equal(new GuestIdentifier(IdentifierKind.Email, email), GuestIdentifier.Email(raw));

    [Theory]
    [InlineData("")]
    [InlineData("lan.example.com")]
    [InlineData("lan@@example.com")]
    [InlineData("lan@ex@ample.com")]
    [InlineData("@example.com")]
    [InlineData("lan@localhost")]
    [InlineData("lan@example.")]
    [InlineData("lan@.com")]
    [InlineData("lan nguyen@example.com")]
    public void Implausible_email_is_rejected(string raw) =>
        Assert.Equal("email", Assert.Throws<InvalidInput>(() => GuestIdentifier.Email(raw)).Field);

    [Fact]
    public void Email_longer_than_254_characters_is_rejected() =>
        Assert.False(GuestIdentifier.TryEmail(new string('a', 243) + "@example.com", out _, out _));

    [Fact]
    public void Zalo_id_is_trimmed_and_keeps_its_case() =>
        Assert.Equal("LanNguyen.88", GuestIdentifier.Zalo("  LanNguyen.88 ").Value);

    [Theory]
    [InlineData("")]
    [InlineData("lan nguyen")]
    public void Zalo_id_that_is_empty_or_has_spaces_is_rejected(string raw) =>
        Assert.Equal("zaloId", Assert.Throws<InvalidInput>(() => GuestIdentifier.Zalo(raw)).Field);

    [Fact]
    public void Pos_customer_id_is_scoped_to_the_restaurant_that_issued_it() =>
        Assert.Equal("d1:C-00042", GuestIdentifier.PosCustomer(" d1 ", " C-00042 ").Value);

    [Theory]
    [InlineData("d1", "")]
    [InlineData("", "C-00042")]
    [InlineData("d1:x", "C-00042")]
    public void Pos_customer_id_without_id_or_scope_is_rejected(string scope, string raw) =>
        Assert.Equal("posCustomerId", Assert.Throws<InvalidInput>(() => GuestIdentifier.PosCustomer(scope, raw)).Field);

    [Fact]
    public void Zalo_and_pos_customer_ids_longer_than_100_characters_are_rejected()
    {
        Assert.False(GuestIdentifier.TryZalo(new string('z', 101), out _, out _));
        Assert.False(GuestIdentifier.TryPosCustomer("d1", new string('7', 101), out _, out _));
        Assert.True(GuestIdentifier.TryZalo(new string('z', 100), out _, out _));
    }

    [Fact]
    public void Phone_mask_keeps_country_code_and_last_three_digits() =>
        Assert.Equal("+84 *** *** 482", GuestIdentifier.Phone("0903123482", "VN").Masked);

    [Theory]
    [InlineData("lan.nguyen@example.com", "l***@example.com")]
    [InlineData("a@example.com", "***@example.com")]
    public void Email_mask_keeps_the_first_letter_and_the_domain(string email, string masked) =>
        Assert.Equal(masked, GuestIdentifier.Email(email).Masked);

    [Fact]
    public void Zalo_and_pos_customer_masks_keep_a_few_characters()
    {
        Assert.Equal("La***", GuestIdentifier.Zalo("LanNguyen.88").Masked);
        Assert.Equal("d1:***42", GuestIdentifier.PosCustomer("d1", "C-00042").Masked);
    }

    [Theory]
    [InlineData("0903123482", "VN")]
    [InlineData("+971 50 123 4567", "VN")]
    [InlineData("08-123 456 78", "SE")]
    public void Phone_mask_and_ToString_never_contain_the_number(string raw, string region)
    {
        var phone = GuestIdentifier.Phone(raw, region);
        Assert.DoesNotContain(phone.Value[1..], phone.Masked, StringComparison.Ordinal);
        Assert.DoesNotContain(phone.Value[^6..], phone.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(phone.Value[^6..], $"guest {phone}", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lan.nguyen@example.com")]
    [InlineData("ab@example.com")]
    [InlineData("a@example.com")]
    public void Email_mask_never_contains_the_local_part(string email) =>
        Assert.DoesNotContain(email.Split('@')[0] + "@", $"{GuestIdentifier.Email(email)}", StringComparison.Ordinal);

    [Theory]
    [InlineData("ab")]
    [InlineData("abc")]
    public void Short_zalo_id_is_not_given_away_by_its_mask(string zalo) =>
        Assert.DoesNotContain(zalo, GuestIdentifier.Zalo(zalo).Masked, StringComparison.Ordinal);
}
