import type { DemoDataset, DemoField } from './demo-world.js';

/**
 * Deterministic synthetic records for the demo datasets: the same hub code, dataset and row
 * number always give the same row, with Vietnamese names, communes and dates that look real.
 */

const HO = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Huỳnh', 'Hoàng', 'Võ', 'Phan', 'Trương', 'Bùi', 'Đặng', 'Đỗ', 'Ngô', 'Hồ', 'Dương', 'Đinh', 'Lý', 'Thạch'];
const DEM_NAM = ['Văn', 'Hữu', 'Minh', 'Đức', 'Quốc', 'Thanh', 'Công', 'Hoài'];
const DEM_NU = ['Thị', 'Ngọc', 'Thanh', 'Thu', 'Kim', 'Mỹ', 'Bích', 'Hồng'];
const TEN_NAM = ['An', 'Bình', 'Cường', 'Dũng', 'Hải', 'Hùng', 'Khoa', 'Long', 'Minh', 'Nam', 'Phúc', 'Quang', 'Sơn', 'Tâm', 'Thắng', 'Tuấn', 'Việt', 'Vinh'];
const TEN_NU = ['Anh', 'Châu', 'Giang', 'Hà', 'Hạnh', 'Hoa', 'Hương', 'Lan', 'Linh', 'Mai', 'Nga', 'Nhung', 'Phương', 'Thảo', 'Trang', 'Tuyết', 'Vy', 'Yến'];
const DAN_TOC = ['Kinh', 'Kinh', 'Kinh', 'Kinh', 'Kinh', 'Khmer', 'Hoa', 'Tày', 'Dao', 'Nùng', 'Mông', 'Sán Chay'];

/** Districts and a few communes of each province (before the 2025 reorganisation of districts). */
const PLACES: Record<string, { huyen: string[]; xa: string[]; idPrefix: string }> = {
  TG: {
    idPrefix: '082',
    huyen: ['TP Mỹ Tho', 'TX Gò Công', 'TX Cai Lậy', 'Cái Bè', 'Cai Lậy', 'Châu Thành', 'Chợ Gạo', 'Gò Công Tây', 'Gò Công Đông', 'Tân Phước', 'Tân Phú Đông'],
    xa: ['Phường 1', 'Phường 5', 'Xã Đạo Thạnh', 'Xã Mỹ Phong', 'Xã Tân Mỹ Chánh', 'Xã An Hữu', 'Xã Hậu Mỹ Bắc A', 'Xã Mỹ Thành Nam', 'Xã Long Định', 'Xã Tân Hương', 'Xã Bình Phan', 'Xã Long Bình', 'Xã Tân Thới', 'Xã Phú Đông', 'Xã Tân Hòa', 'Xã Vĩnh Hựu'],
  },
  TQ: {
    idPrefix: '008',
    huyen: ['TP Tuyên Quang', 'Chiêm Hóa', 'Hàm Yên', 'Lâm Bình', 'Na Hang', 'Sơn Dương', 'Yên Sơn'],
    xa: ['Phường Phan Thiết', 'Xã Tràng Đà', 'Xã Kim Bình', 'Xã Yên Nguyên', 'Xã Thái Hòa', 'Xã Bình An', 'Xã Thượng Lâm', 'Xã Năng Khả', 'Xã Tân Trào', 'Xã Hồng Lạc', 'Xã Mỹ Bằng', 'Xã Chân Sơn'],
  },
  QB: {
    idPrefix: '044',
    huyen: ['TP Đồng Hới', 'TX Ba Đồn', 'Bố Trạch', 'Lệ Thủy', 'Minh Hóa', 'Quảng Ninh', 'Quảng Trạch', 'Tuyên Hóa'],
    xa: ['Phường Hải Thành', 'Xã Bảo Ninh', 'Xã Sơn Trạch', 'Xã Phong Thủy', 'Xã Hóa Tiến', 'Xã Võ Ninh', 'Xã Quảng Phú', 'Xã Thanh Hóa', 'Xã Tân Ninh', 'Xã Cảnh Dương', 'Xã Hưng Trạch', 'Xã Kim Thủy'],
  },
  ST: {
    idPrefix: '094',
    huyen: ['TP Sóc Trăng', 'Châu Thành', 'Cù Lao Dung', 'Kế Sách', 'Long Phú', 'Mỹ Tú', 'Mỹ Xuyên', 'Thạnh Trị', 'Trần Đề', 'TX Vĩnh Châu', 'TX Ngã Năm'],
    xa: ['Phường 2', 'Xã Hồ Đắc Kiện', 'Xã An Thạnh 1', 'Xã Phong Nẫm', 'Xã Long Phú', 'Xã Mỹ Hương', 'Xã Tham Đôn', 'Xã Lâm Tân', 'Xã Trung Bình', 'Xã Lai Hòa', 'Xã Vĩnh Quới', 'Xã Đại Ân 2'],
  },
};

const PRODUCTS = ['Bưởi da xanh', 'Xoài cát Hòa Lộc', 'Sầu riêng Ri6', 'Thanh long ruột đỏ', 'Vú sữa Lò Rèn', 'Khóm Tân Lập', 'Hủ tiếu Mỹ Tho', 'Mắm tôm chà Gò Công', 'Kẹo dừa', 'Chôm chôm Java', 'Mật ong hoa nhãn', 'Cá khô sặc', 'Bánh phồng tôm', 'Nước mắm nhĩ', 'Trà mãng cầu'];
const CATEGORIES = ['Trái cây', 'Đặc sản', 'Thực phẩm chế biến', 'Đồ uống', 'Thủ công mỹ nghệ'];
const UNITS = ['kg', 'hộp', 'chai', 'túi', 'thùng'];
const SERVICE_AREAS = ['Tư pháp', 'Đất đai', 'Xây dựng', 'Giáo dục', 'Y tế', 'Lao động', 'Công thương', 'Giao thông', 'Nông nghiệp', 'Hộ tịch'];
const TRAINING = ['Kỹ năng số cơ bản', 'Bán hàng trên sàn TMĐT', 'Thanh toán không dùng tiền mặt', 'Truy xuất nguồn gốc', 'Nhật ký canh tác điện tử'];
const EVENTS = ['KHAI_SINH', 'KHAI_SINH', 'KHAI_SINH', 'KET_HON', 'KHAI_TU'];

/** A small, fast, deterministic hash of (seed, i, salt). */
function mix(seed: number, i: number, salt: number): number {
  let h = (seed ^ Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(salt + 7, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

function seedOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

const pick = <T>(list: readonly T[], n: number): T => list[n % list.length]!;
const pad = (n: number, w: number) => String(n).padStart(w, '0');

function dateFrom(n: number, fromYear: number, years: number): string {
  const day = n % (years * 365);
  const d = new Date(Date.UTC(fromYear, 0, 1) + day * 86_400_000);
  return d.toISOString().slice(0, 10);
}

function personName(seed: number, i: number, female: boolean): string {
  const h = mix(seed, i, 1);
  return `${pick(HO, h)} ${pick(female ? DEM_NU : DEM_NAM, h >>> 5)} ${pick(female ? TEN_NU : TEN_NAM, h >>> 10)}`;
}

/** Row `i` (0-based) of a demo dataset on hub `hub`. */
export function demoRow(hub: string, dataset: DemoDataset, i: number): Record<string, unknown> {
  const seed = seedOf(`${hub}:${dataset.code}`);
  const place = PLACES[hub] ?? PLACES.TG!;
  const female = mix(seed, i, 2) % 2 === 0;
  const row: Record<string, unknown> = {};
  for (const f of dataset.fields) {
    const v = valueFor(f, seed, i, hub, place, female, dataset);
    if (v !== undefined) row[f.name] = v;
  }
  return row;
}

function valueFor(f: DemoField, seed: number, i: number, hub: string, place: (typeof PLACES)[string], female: boolean, dataset: DemoDataset): unknown {
  const h = mix(seed, i, seedOf(f.name));
  switch (f.name) {
    case 'ho_ten':
    case 'chu_ho':
    case 'to_truong':
    case 'nguoi_lien_he':
      return personName(seed, i, female);
    case 'so_dien_thoai':
      return `0${pick(['90', '91', '93', '94', '96', '97', '98', '32', '35', '38'], h)}${pad(h % 10_000_000, 7)}`;
    case 'xa_phuong':
      return pick(place.xa, h);
    case 'ten_xa':
      return `${pick(place.xa, i)} (${pad(i + 1, 3)})`;
    case 'huyen':
      return pick(place.huyen, h);
    case 'gioi_tinh':
      return female ? 'Nữ' : 'Nam';
    case 'dan_toc':
      return pick(DAN_TOC, h);
    case 'so_dinh_danh':
      return `${place.idPrefix}${female ? '3' : '2'}${pad(h % 100_000_000, 8)}`.padEnd(12, '0');
    case 'loai_su_kien':
      return pick(EVENTS, h);
    case 'ten_san_pham':
      return `${pick(PRODUCTS, h)} ${pick(['loại 1', 'đặc biệt', 'OCOP', 'hữu cơ', 'xuất khẩu'], h >>> 8)}`;
    case 'danh_muc':
      return pick(CATEGORIES, h);
    case 'don_vi_tinh':
      return pick(UNITS, h);
    case 'gia_ban':
      return (10 + (h % 490)) * 1000;
    case 'chung_nhan_ocop':
      return h % 6;
    case 'ten_thu_tuc':
      return `Thủ tục ${pick(SERVICE_AREAS, h).toLowerCase()} số ${i + 1}`;
    case 'linh_vuc':
      return pick(SERVICE_AREAS, h);
    case 'muc_do':
      return h % 3 === 0 ? 'MOT_PHAN' : 'TOAN_TRINH';
    case 'co_quan_thuc_hien':
      return pick(['Sở Tư pháp', 'Sở Xây dựng', 'Sở Y tế', 'UBND cấp xã', 'Sở Công Thương'], h);
    case 'noi_dung':
      return pick(TRAINING, h);
    case 'so_thanh_vien':
      // Tuyên Quang: 1,871 teams with 10,217 members in all (5 each, 6 for the first 862).
      if (dataset.code === 'to-cong-nghe-so-cong-dong') return i < 862 ? 6 : 5;
      return 1 + (h % 7);
    case 'ho_ngheo':
      return h % 20 === 0;
    case 'dien_tich_ha':
      return Math.round((0.1 + (h % 500) / 100) * 100) / 100;
    case 'bang_thong_mbps':
      return pick([20, 50, 100, 200], h);
  }
  if (f.key) return `${f.name.replace(/^ma_/, '').toUpperCase().slice(0, 3)}-${hub}-${pad(i + 1, 7)}`;
  switch (f.type) {
    case 'DATE':
      return dateFrom(h, 2019, 7);
    case 'INTEGER':
      return h % 1000;
    case 'DECIMAL':
      return (h % 100_000) / 100;
    case 'BOOLEAN':
      return h % 2 === 0;
    case 'DATETIME':
      return new Date(Date.UTC(2024, 0, 1) + (h % 31_536_000) * 1000).toISOString();
    case 'JSON':
      return { n: h % 100 };
    case 'STRING':
      return `${f.name}-${i + 1}`;
  }
}

/** The rows of a demo dataset in batches, generated as they are consumed (memory stays flat). */
export function* demoBatches(hub: string, dataset: DemoDataset, batchSize = 5_000): Generator<Record<string, unknown>[]> {
  for (let start = 0; start < dataset.records; start += batchSize) {
    const end = Math.min(dataset.records, start + batchSize);
    const batch: Record<string, unknown>[] = [];
    for (let i = start; i < end; i++) batch.push(demoRow(hub, dataset, i));
    yield batch;
  }
}
