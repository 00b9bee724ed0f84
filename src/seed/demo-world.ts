import type { Classification, FieldType, SharingMode } from '../generated/prisma/enums.js';

/**
 * The demo world, from public reports of the provinces (see ARCHITECTURE.md). Each hub seeds its
 * own part: `LGSP_HUB_CODE=TQ` loads Tuyên Quang's agencies and datasets, and so on.
 */
export interface DemoField {
  name: string;
  type: FieldType;
  classification: Classification;
  description?: string;
  required?: boolean;
  indexed?: boolean;
  key?: boolean;
}

export interface DemoDataset {
  code: string;
  owner: string;
  title: string;
  titleEn: string;
  description: string;
  domain: string;
  keywords: string[];
  legalBasis: string;
  updateFrequency: string;
  license?: string;
  sharingMode: SharingMode;
  status: 'DRAFT' | 'PUBLISHED' | 'DEPRECATED';
  deprecationReason?: string;
  fields: DemoField[];
  /** Size of the synthetic records at the figures the public reports give. */
  records: number;
}

export interface DemoAgency {
  code: string;
  name: string;
  nameEn: string;
  parent?: string;
}

export interface DemoHub {
  agencies: DemoAgency[];
  datasets: DemoDataset[];
}

const f = (name: string, type: FieldType, classification: Classification, extra: Partial<DemoField> = {}): DemoField => ({
  name,
  type,
  classification,
  ...extra,
});

const province = (hub: string, vi: string, en: string): DemoAgency[] => [
  { code: `G22.${hub}.00`, name: `Ủy ban nhân dân tỉnh ${vi}`, nameEn: `People's Committee of ${en} province` },
  { code: `G22.${hub}.01`, name: `Sở Thông tin và Truyền thông tỉnh ${vi}`, nameEn: `${en} Department of Information and Communications`, parent: `G22.${hub}.00` },
  { code: `G22.${hub}.02`, name: `Sở Tư pháp tỉnh ${vi}`, nameEn: `${en} Department of Justice`, parent: `G22.${hub}.00` },
  { code: `G22.${hub}.03`, name: `Công an tỉnh ${vi}`, nameEn: `${en} Provincial Police` },
  { code: `G22.${hub}.04`, name: `Sở Công Thương tỉnh ${vi}`, nameEn: `${en} Department of Industry and Trade`, parent: `G22.${hub}.00` },
  { code: `G22.${hub}.05`, name: `Sở Nông nghiệp và Môi trường tỉnh ${vi}`, nameEn: `${en} Department of Agriculture and Environment`, parent: `G22.${hub}.00` },
];

const civilStatus = (hub: string, vi: string): DemoDataset => ({
  code: 'ho-tich',
  owner: `G22.${hub}.02`,
  title: `Cơ sở dữ liệu hộ tịch tỉnh ${vi}`,
  titleEn: 'Civil status registry (births, marriages, deaths)',
  description: 'Đăng ký khai sinh, kết hôn, khai tử. Chứa dữ liệu cá nhân: chỉ chia sẻ theo yêu cầu, có mục đích.',
  domain: 'tu-phap',
  keywords: ['hộ tịch', 'khai sinh', 'kết hôn', 'civil status'],
  legalBasis: 'Luật Hộ tịch 2014; Nghị định 47/2020/NĐ-CP; Nghị định 13/2023/NĐ-CP',
  updateFrequency: 'daily',
  sharingMode: 'ON_REQUEST',
  status: 'PUBLISHED',
  fields: [
    f('so_dang_ky', 'STRING', 'INTERNAL', { key: true, description: 'Số đăng ký (registration number)' }),
    f('loai_su_kien', 'STRING', 'PUBLIC', { indexed: true, description: 'KHAI_SINH | KET_HON | KHAI_TU' }),
    f('ngay_dang_ky', 'DATE', 'PUBLIC', { indexed: true, required: true }),
    f('xa_phuong', 'STRING', 'PUBLIC', { indexed: true, description: 'Xã/phường (commune)' }),
    f('ho_ten', 'STRING', 'PERSONAL', { required: true, description: 'Họ và tên (full name)' }),
    f('ngay_sinh', 'DATE', 'PERSONAL'),
    f('gioi_tinh', 'STRING', 'PERSONAL'),
    f('so_dinh_danh', 'STRING', 'SENSITIVE_PERSONAL', { description: 'Số định danh cá nhân (personal ID number)' }),
    f('dan_toc', 'STRING', 'SENSITIVE_PERSONAL', { description: 'Dân tộc (ethnicity)' }),
  ],
  records: 5_000,
});

const onlineServices = (hub: string, vi: string, count: number): DemoDataset => ({
  code: 'dich-vu-cong-truc-tuyen',
  owner: `G22.${hub}.01`,
  title: `Danh mục dịch vụ công trực tuyến tỉnh ${vi}`,
  titleEn: 'Online public services',
  description: 'Thủ tục hành chính cung cấp dịch vụ công trực tuyến toàn trình và một phần.',
  domain: 'hanh-chinh-cong',
  keywords: ['dịch vụ công', 'thủ tục hành chính', 'online public services'],
  legalBasis: 'Nghị định 42/2022/NĐ-CP',
  updateFrequency: 'monthly',
  license: 'CC-BY-4.0',
  sharingMode: 'OPEN',
  status: 'PUBLISHED',
  fields: [
    f('ma_thu_tuc', 'STRING', 'PUBLIC', { key: true }),
    f('ten_thu_tuc', 'STRING', 'PUBLIC', { required: true }),
    f('linh_vuc', 'STRING', 'PUBLIC', { indexed: true }),
    f('muc_do', 'STRING', 'PUBLIC', { indexed: true, description: 'TOAN_TRINH | MOT_PHAN' }),
    f('co_quan_thuc_hien', 'STRING', 'PUBLIC'),
    f('so_ho_so_nam', 'INTEGER', 'INTERNAL', { description: 'Hồ sơ tiếp nhận trong năm' }),
  ],
  records: count,
});

export const DEMO_WORLD: Record<string, DemoHub> = {
  TG: {
    agencies: province('TG', 'Tiền Giang', 'Tien Giang'),
    datasets: [
      civilStatus('TG', 'Tiền Giang'),
      onlineServices('TG', 'Tiền Giang', 1_307),
      {
        code: 'san-pham-tmdt',
        owner: 'G22.TG.04',
        title: 'Sản phẩm trên sàn thương mại điện tử tỉnh Tiền Giang',
        titleEn: 'Products on the provincial e-commerce platform',
        description: '2.300 sản phẩm OCOP và nông sản của doanh nghiệp, hợp tác xã trên sàn TMĐT tỉnh.',
        domain: 'cong-thuong',
        keywords: ['thương mại điện tử', 'OCOP', 'nông sản', 'e-commerce'],
        legalBasis: 'Nghị định 47/2020/NĐ-CP (dữ liệu mở)',
        updateFrequency: 'weekly',
        license: 'CC-BY-4.0',
        sharingMode: 'OPEN',
        status: 'PUBLISHED',
        fields: [
          f('ma_san_pham', 'STRING', 'PUBLIC', { key: true }),
          f('ten_san_pham', 'STRING', 'PUBLIC', { required: true }),
          f('danh_muc', 'STRING', 'PUBLIC', { indexed: true }),
          f('gia_ban', 'DECIMAL', 'PUBLIC', { indexed: true, description: 'Giá bán (VND)' }),
          f('don_vi_tinh', 'STRING', 'PUBLIC'),
          f('xa_phuong', 'STRING', 'PUBLIC', { indexed: true }),
          f('chung_nhan_ocop', 'INTEGER', 'PUBLIC', { description: 'Số sao OCOP (0–5)' }),
          f('ngay_dang', 'DATE', 'PUBLIC', { indexed: true }),
          f('nguoi_lien_he', 'STRING', 'PERSONAL'),
          f('so_dien_thoai', 'STRING', 'PERSONAL'),
        ],
        records: 2_300,
      },
      {
        code: 'ho-nong-dan-tap-huan',
        owner: 'G22.TG.05',
        title: 'Hộ nông dân được tập huấn chuyển đổi số',
        titleEn: 'Farming households trained in digital skills',
        description: '263.400 hộ nông dân được tập huấn kỹ năng số, thương mại điện tử.',
        domain: 'nong-nghiep',
        keywords: ['nông dân', 'tập huấn', 'chuyển đổi số', 'farmers'],
        legalBasis: 'Nghị định 47/2020/NĐ-CP (chia sẻ mặc định)',
        updateFrequency: 'quarterly',
        sharingMode: 'DEFAULT',
        status: 'PUBLISHED',
        fields: [
          f('ma_ho', 'STRING', 'INTERNAL', { key: true }),
          f('xa_phuong', 'STRING', 'PUBLIC', { indexed: true }),
          f('huyen', 'STRING', 'PUBLIC', { indexed: true }),
          f('ngay_tap_huan', 'DATE', 'PUBLIC', { indexed: true }),
          f('noi_dung', 'STRING', 'PUBLIC'),
          f('so_thanh_vien', 'INTEGER', 'PUBLIC'),
          f('dien_tich_ha', 'DECIMAL', 'INTERNAL'),
          f('chu_ho', 'STRING', 'PERSONAL'),
          f('so_dien_thoai', 'STRING', 'PERSONAL'),
          f('ho_ngheo', 'BOOLEAN', 'SENSITIVE_PERSONAL', { description: 'Hộ nghèo (poor household)' }),
        ],
        records: 263_400,
      },
      {
        code: 'diem-wifi-cong-cong',
        owner: 'G22.TG.01',
        title: 'Điểm wifi công cộng miễn phí',
        titleEn: 'Free public wifi hotspots',
        description: 'Bản nháp: danh sách điểm wifi công cộng, chưa công bố.',
        domain: 'ha-tang-so',
        keywords: ['wifi', 'hạ tầng số'],
        legalBasis: 'Kế hoạch chuyển đổi số tỉnh',
        updateFrequency: 'monthly',
        sharingMode: 'OPEN',
        status: 'DRAFT',
        fields: [f('ma_diem', 'STRING', 'PUBLIC', { key: true }), f('dia_chi', 'STRING', 'PUBLIC'), f('xa_phuong', 'STRING', 'PUBLIC', { indexed: true })],
        records: 0,
      },
    ],
  },
  TQ: {
    agencies: province('TQ', 'Tuyên Quang', 'Tuyen Quang'),
    datasets: [
      civilStatus('TQ', 'Tuyên Quang'),
      {
        code: 'to-cong-nghe-so-cong-dong',
        owner: 'G22.TQ.01',
        title: 'Tổ công nghệ số cộng đồng tỉnh Tuyên Quang',
        titleEn: 'Community digital-technology teams',
        description: '1.871 tổ công nghệ số cộng đồng với 10.217 thành viên.',
        domain: 'chuyen-doi-so',
        keywords: ['tổ công nghệ số cộng đồng', 'chuyển đổi số', 'community digital teams'],
        legalBasis: 'Quyết định 1907/QĐ-BTTTT',
        updateFrequency: 'quarterly',
        sharingMode: 'DEFAULT',
        status: 'PUBLISHED',
        fields: [
          f('ma_to', 'STRING', 'PUBLIC', { key: true }),
          f('xa_phuong', 'STRING', 'PUBLIC', { indexed: true }),
          f('huyen', 'STRING', 'PUBLIC', { indexed: true }),
          f('so_thanh_vien', 'INTEGER', 'PUBLIC', { indexed: true }),
          f('ngay_thanh_lap', 'DATE', 'PUBLIC'),
          f('to_truong', 'STRING', 'PERSONAL'),
          f('so_dien_thoai', 'STRING', 'PERSONAL'),
        ],
        records: 1_871,
      },
      onlineServices('TQ', 'Tuyên Quang', 1_050),
    ],
  },
  QB: {
    agencies: province('QB', 'Quảng Bình', 'Quang Binh'),
    datasets: [
      {
        code: 'xa-ket-noi-mang-cd',
        owner: 'G22.QB.01',
        title: 'Xã, phường kết nối mạng truyền số liệu chuyên dùng',
        titleEn: 'Communes connected to the state data network',
        description: '151 xã, phường, thị trấn kết nối mạng truyền số liệu chuyên dùng.',
        domain: 'ha-tang-so',
        keywords: ['mạng truyền số liệu chuyên dùng', 'kết nối', 'communes'],
        legalBasis: 'Nghị định 47/2020/NĐ-CP',
        updateFrequency: 'yearly',
        license: 'CC-BY-4.0',
        sharingMode: 'OPEN',
        status: 'PUBLISHED',
        fields: [
          f('ma_xa', 'STRING', 'PUBLIC', { key: true }),
          f('ten_xa', 'STRING', 'PUBLIC', { required: true }),
          f('huyen', 'STRING', 'PUBLIC', { indexed: true }),
          f('bang_thong_mbps', 'INTEGER', 'PUBLIC'),
          f('ngay_ket_noi', 'DATE', 'PUBLIC', { indexed: true }),
        ],
        records: 151,
      },
      civilStatus('QB', 'Quảng Bình'),
    ],
  },
  ST: {
    agencies: province('ST', 'Sóc Trăng', 'Soc Trang'),
    datasets: [civilStatus('ST', 'Sóc Trăng'), onlineServices('ST', 'Sóc Trăng', 1_200)],
  },
  VN: {
    agencies: [
      { code: 'G01.BCA', name: 'Bộ Công an', nameEn: 'Ministry of Public Security' },
      { code: 'G01.BKHCN', name: 'Bộ Khoa học và Công nghệ', nameEn: 'Ministry of Science and Technology' },
      { code: 'G01.VPCP', name: 'Văn phòng Chính phủ', nameEn: 'Office of the Government' },
    ],
    datasets: [],
  },
};

export const DEMO_ROLES = ['DEVELOPER', 'MAINTAINER', 'ADMIN', 'AUDITOR'] as const;
