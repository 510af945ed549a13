package io.kessai.provider.gmo;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * GMO's address {@code state} is the JIS X 0401 prefecture number written with three digits ("013" for
 * Tokyo). The canonical order carries a prefecture name, in romaji or kanji, with or without its suffix
 * (Tokyo, Tokyo-to, 東京都, 大阪府, 北海道), or the JIS number itself.
 */
final class Prefectures {
    private static final List<String> NAMES = List.of(
            "Hokkaido:北海道",
            "Aomori:青森",
            "Iwate:岩手",
            "Miyagi:宮城",
            "Akita:秋田",
            "Yamagata:山形",
            "Fukushima:福島",
            "Ibaraki:茨城",
            "Tochigi:栃木",
            "Gunma:群馬",
            "Saitama:埼玉",
            "Chiba:千葉",
            "Tokyo:東京",
            "Kanagawa:神奈川",
            "Niigata:新潟",
            "Toyama:富山",
            "Ishikawa:石川",
            "Fukui:福井",
            "Yamanashi:山梨",
            "Nagano:長野",
            "Gifu:岐阜",
            "Shizuoka:静岡",
            "Aichi:愛知",
            "Mie:三重",
            "Shiga:滋賀",
            "Kyoto:京都",
            "Osaka:大阪",
            "Hyogo:兵庫",
            "Nara:奈良",
            "Wakayama:和歌山",
            "Tottori:鳥取",
            "Shimane:島根",
            "Okayama:岡山",
            "Hiroshima:広島",
            "Yamaguchi:山口",
            "Tokushima:徳島",
            "Kagawa:香川",
            "Ehime:愛媛",
            "Kochi:高知",
            "Fukuoka:福岡",
            "Saga:佐賀",
            "Nagasaki:長崎",
            "Kumamoto:熊本",
            "Oita:大分",
            "Miyazaki:宮崎",
            "Kagoshima:鹿児島",
            "Okinawa:沖縄");
    private static final Map<String, String> CODES = new HashMap<>();
    /** 北海道 is itself the full name; 東京都, 京都府, 大阪府; every other prefecture is 県. */
    private static final List<String> SUFFIX = java.util.stream.IntStream.rangeClosed(1, 47)
            .mapToObj(n -> n == 1 ? "" : n == 13 ? "都" : n == 26 || n == 27 ? "府" : "県").toList();

    static {
        for (int i = 0; i < NAMES.size(); i++) {
            String code = String.format("%03d", i + 1);
            String[] names = NAMES.get(i).split(":");
            CODES.put(names[0].toLowerCase(Locale.ROOT), code);
            CODES.put(names[1], code);
            CODES.put(names[1] + SUFFIX.get(i), code);
        }
    }

    private Prefectures() {
    }

    static Optional<String> code(String state) {
        if (state == null) {
            return Optional.empty();
        }
        String s = state.trim();
        if (s.matches("[0-9]{1,3}")) {
            int n = Integer.parseInt(s);
            return n >= 1 && n <= 47 ? Optional.of(String.format("%03d", n)) : Optional.empty();
        }
        String exact = CODES.get(s);
        if (exact != null) {
            return Optional.of(exact);
        }
        String key = s.toLowerCase(Locale.ROOT).replaceAll("[- ](to|fu|ken|prefecture)$", "");
        return Optional.ofNullable(CODES.get(key));
    }
}
