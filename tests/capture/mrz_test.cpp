// Machine-readable zones: ICAO 9303's own specimens in the three formats, OCR confusions put right
// only where the check digits say so, and every damaged zone refused rather than misread.
#include "capture/document/mrz.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace kiosk::document {
namespace {

using namespace std::chrono;
using ::testing::HasSubstr;

const year_month_day kToday = year(2026) / 11 / 21;

// ICAO Doc 9303 part 4 and 5 specimens.
const std::vector<std::string> kTd3 = {"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
                                       "L898902C36UTO7408122F1204159ZE184226B<<<<<10"};
const std::vector<std::string> kTd2 = {"I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
                                       "D231458907UTO7408122F1204159<<<<<<<6"};
const std::vector<std::string> kTd1 = {"I<UTOD231458907<<<<<<<<<<<<<<<",
                                       "7408122F1204159UTO<<<<<<<<<<<6",
                                       "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"};

TEST(Mrz, CheckDigitsWeigh731) {
  EXPECT_EQ(mrz_check_digit("L898902C3"), 6);
  EXPECT_EQ(mrz_check_digit("740812"), 2);
  EXPECT_EQ(mrz_check_digit("120415"), 9);
  EXPECT_EQ(mrz_check_digit("<<<<<<"), 0);
}

TEST(Mrz, TheLayoutsCheckDigitsHoldOnEachSpecimenAndCoverTheirFields) {
  for (const auto& lines : {kTd3, kTd2, kTd1}) {
    const auto checks = mrz_check_digits(lines.front().size());
    ASSERT_EQ(checks.size(), lines.front().size() == 44 ? 5u : 4u);
    EXPECT_EQ(checks.back().field, "composite");
    for (const MrzCheckDigit& c : checks) {
      std::string over;
      for (const auto& [line, from, length] : c.over) over += lines[line].substr(from, length);
      EXPECT_EQ(lines[c.line][c.at], '0' + mrz_check_digit(over)) << c.field << " of " << lines[0];
    }
  }
  const auto td3 = mrz_check_digits(44);
  EXPECT_TRUE(td3[0].covers(1, 0));    // the document number's first place
  EXPECT_TRUE(td3[0].covers(1, 9));    // its check digit
  EXPECT_FALSE(td3[0].covers(1, 10));  // the nationality: only letters, no check digit
  EXPECT_FALSE(td3.back().covers(1, 20));  // sex: no check digit at all
  EXPECT_FALSE(td3.back().covers(0, 5));   // names: none either
  EXPECT_TRUE(mrz_check_digits(40).empty());
}

TEST(Mrz, PassportSpecimenGivesEveryField) {
  const auto f = parse_mrz(kTd3, kToday);
  ASSERT_TRUE(f.has_value()) << f.error();
  EXPECT_EQ(f->format, MrzFormat::kTd3);
  EXPECT_EQ(f->document_code, "P");
  EXPECT_EQ(f->issuing_state, "UTO");
  EXPECT_EQ(f->surname, "ERIKSSON");
  EXPECT_EQ(f->given_names, "ANNA MARIA");
  EXPECT_EQ(f->document_number, "L898902C3");
  EXPECT_EQ(f->nationality, "UTO");
  EXPECT_EQ(f->date_of_birth, year(1974) / 8 / 12);
  EXPECT_EQ(f->sex, "F");
  EXPECT_EQ(f->date_of_expiry, year(2012) / 4 / 15);
  EXPECT_EQ(f->optional_data, "ZE184226B");
  EXPECT_EQ(f->corrections, 0);
  EXPECT_FALSE(f->names_truncated);
}

TEST(Mrz, CardSpecimensInBothFormats) {
  for (const auto& lines : {kTd2, kTd1}) {
    const auto f = parse_mrz(lines, kToday);
    ASSERT_TRUE(f.has_value()) << f.error();
    EXPECT_EQ(f->document_number, "D23145890");
    EXPECT_EQ(f->surname, "ERIKSSON");
    EXPECT_EQ(f->given_names, "ANNA MARIA");
    EXPECT_EQ(f->date_of_birth, year(1974) / 8 / 12);
    EXPECT_EQ(f->date_of_expiry, year(2012) / 4 / 15);
  }
}

TEST(Mrz, OcrConfusionsAreCorrectedWhereTheCheckDigitsAgree) {
  std::vector<std::string> lines(2);
  lines[1] = "L898902C36UTO74O8122F12O4159ZE184226B<<<<<1O";  // O for 0 in dates and a check
  lines[0] = "P<UT0ERIKSS0N<<ANNA<MAR1A<<<<<<<<<<<<<<<<<<<";  // 0 and 1 in letters
  const auto f = parse_mrz(lines, kToday);
  ASSERT_TRUE(f.has_value()) << f.error();
  EXPECT_EQ(f->surname, "ERIKSSON");
  EXPECT_EQ(f->given_names, "ANNA MARIA");
  EXPECT_EQ(f->issuing_state, "UTO");
  EXPECT_EQ(f->date_of_birth, year(1974) / 8 / 12);
  EXPECT_EQ(f->corrections, 6);

  // In the document number, a 0 read as O: only the 0 makes its check digit agree.
  auto number = kTd3;
  number[1][5] = 'O';
  const auto g = parse_mrz(number, kToday);
  ASSERT_TRUE(g.has_value()) << g.error();
  EXPECT_EQ(g->document_number, "L898902C3");
  EXPECT_EQ(g->corrections, 1);

  // An 8 read as B at the start: L898902C3, LB9B902C3 and LB9890ZC3 all agree with every check
  // digit (the composite weighs the number as its own check does), so it is not guessed.
  number = kTd3;
  number[1][1] = 'B';
  const auto ambiguous = parse_mrz(number, kToday);
  ASSERT_FALSE(ambiguous.has_value()) << "guessed " << ambiguous->document_number;
  EXPECT_THAT(ambiguous.error(), HasSubstr("document number"));
}

TEST(Mrz, AZoneThatDoesNotCheckYieldsNoFields) {
  struct Damage {
    int line, pos;
    char to;
    const char* says;
  };
  for (const Damage d : {Damage{1, 3, '7', "document number"}, Damage{1, 14, '5', "date of birth"},
                         Damage{1, 22, '9', "date of expiry"}, Damage{1, 43, '3', "composite"},
                         Damage{1, 30, 'X', "personal number"}, Damage{1, 15, 'Q', "digit"}}) {
    auto lines = kTd3;
    lines[static_cast<std::size_t>(d.line)][static_cast<std::size_t>(d.pos)] = d.to;
    const auto f = parse_mrz(lines, kToday);
    ASSERT_FALSE(f.has_value()) << "position " << d.pos << " damaged, yet read";
    EXPECT_THAT(f.error(), AllOf(HasSubstr(d.says), HasSubstr("scan the data page again")));
  }
  EXPECT_THAT(parse_mrz({"P<UTO", "123"}, kToday).error(), HasSubstr("not a machine-readable zone"));
  EXPECT_THAT(parse_mrz({}, kToday).error(), HasSubstr("not a machine-readable zone"));
  auto odd = kTd3;
  odd[0][10] = '*';
  EXPECT_THAT(parse_mrz(odd, kToday).error(), HasSubstr("'*'"));
}

// A TD3 second line from its fields, with every check digit computed.
std::string td3_line(const std::string& number, const std::string& birth, const std::string& expiry) {
  const auto digit = [](const std::string& field) {
    return std::string(1, static_cast<char>('0' + mrz_check_digit(field)));
  };
  std::string line = number + digit(number) + "UTO" + birth + digit(birth) + "F" + expiry +
                     digit(expiry) + std::string(14, '<') + "<";
  return line + digit(line.substr(0, 10) + line.substr(13, 7) + line.substr(21, 22));
}

TEST(Mrz, CenturiesFollowTheApplicationDate) {
  // Born in 2012 (a child): 12 is 2012, not 1912; born 27: 1927, since 2027 has not come.
  for (const auto& [birth, expected] : {std::pair{"120301", year(2012) / 3 / 1},
                                        std::pair{"271121", year(1927) / 11 / 21},
                                        std::pair{"261121", year(2026) / 11 / 21}}) {
    const std::vector<std::string> lines = {"P<UTOERIKSSON<<LINA<<<<<<<<<<<<<<<<<<<<<<<<<",
                                            td3_line("L898902C3", birth, "310415")};
    const auto f = parse_mrz(lines, kToday);
    ASSERT_TRUE(f.has_value()) << f.error();
    EXPECT_EQ(f->date_of_birth, expected) << birth;
    EXPECT_EQ(f->date_of_expiry, year(2031) / 4 / 15);
    EXPECT_EQ(f->optional_data, "");
  }
  const auto bad = parse_mrz({kTd3[0], td3_line("L898902C3", "741312", "310415")}, kToday);
  ASSERT_FALSE(bad.has_value());
  EXPECT_THAT(bad.error(), HasSubstr("not a date"));
}

TEST(Mrz, ALongNameThatFillsTheFieldIsMarkedAsPossiblyCut) {
  std::vector<std::string> lines = kTd3;
  lines[0] = "P<UTOVANDERSTEENHOVENBERGHEKAMP<<ALEXANDRAMA";
  const auto f = parse_mrz(lines, kToday);
  ASSERT_TRUE(f.has_value()) << f.error();
  EXPECT_TRUE(f->names_truncated);
  EXPECT_EQ(f->surname, "VANDERSTEENHOVENBERGHEKAMP");
}

TEST(Mrz, ComposedZonesReadBackFieldForField) {
  MrzFields f;
  f.document_code = "P";
  f.issuing_state = "UTO";
  f.surname = "Eriksson";
  f.given_names = "Anna Maria";
  f.document_number = "L898902C3";
  f.nationality = "UTO";
  f.date_of_birth = year(1974) / 8 / 12;
  f.sex = "F";
  f.date_of_expiry = year(2012) / 4 / 15;
  f.optional_data = "ZE184226B";
  const auto lines = compose_mrz(f);
  ASSERT_TRUE(lines.has_value()) << lines.error();
  EXPECT_EQ(*lines, kTd3) << "the ICAO specimen, character for character";

  f.surname = "Vanderstein-Hovenberghe d'Almeida";
  f.given_names = "Maximiliana Philippa Josephine";
  f.optional_data = "";
  const auto long_name = compose_mrz(f);
  ASSERT_TRUE(long_name.has_value());
  EXPECT_EQ((*long_name)[0], "P<UTOVANDERSTEIN<HOVENBERGHE<DALMEIDA<<MAXIM");
  const auto back = parse_mrz(*long_name, kToday);
  ASSERT_TRUE(back.has_value()) << back.error();
  EXPECT_EQ(back->surname, "VANDERSTEIN HOVENBERGHE DALMEIDA");
  EXPECT_EQ(back->given_names, "MAXIM");
  EXPECT_TRUE(back->names_truncated);
  EXPECT_EQ(back->optional_data, "");
  f.surname = "Eriksson";
  f.given_names = "Anna Maria";
  f.document_number = "D23145890";
  f.document_code = "I";
  f.format = MrzFormat::kTd2;
  EXPECT_EQ(compose_mrz(f), kTd2) << "the ICAO specimen of part 6, character for character";
  f.format = MrzFormat::kTd1;
  EXPECT_EQ(compose_mrz(f), kTd1) << "the ICAO specimen of part 5, character for character";
  f.optional_data = "ZE184226B";
  f.optional_data_2 = "X12";
  const auto card = compose_mrz(f);
  ASSERT_TRUE(card.has_value()) << card.error();
  const auto card_back = parse_mrz(*card, kToday);
  ASSERT_TRUE(card_back.has_value()) << card_back.error();
  EXPECT_EQ(card_back->optional_data, "ZE184226B");
  EXPECT_EQ(card_back->optional_data_2, "X12");
  f.optional_data = "TOO-LONG-FOR-A-TD2";
  f.format = MrzFormat::kTd2;
  EXPECT_FALSE(compose_mrz(f).has_value()) << "TD2 has 7 places of optional data";
  f.optional_data = "";
  EXPECT_FALSE(compose_mrz([&] {
                 auto bad = f;
                 bad.surname = "Müller";
                 return bad;
               }())
                   .has_value())
      << "transliteration is the issuer's business, not ours";
}

}  // namespace
}  // namespace kiosk::document
